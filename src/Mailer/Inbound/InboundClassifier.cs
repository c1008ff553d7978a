using System.Text.RegularExpressions;
using MimeKit;

namespace Cualify.Appliance.Mailer.Inbound;

/// <summary>What an inbound message is, decided in the order SPEC §4 gives.</summary>
public abstract record InboundKind
{
    /// <summary>RFC 3464 report with at least one <c>Action: failed</c> and <c>Status: 5.x.x</c>.</summary>
    public sealed record HardBounce(string? OriginalMessageId, IReadOnlyList<FailedRecipient> Recipients) : InboundKind;

    /// <summary>A delivery report that is only delayed or 4.x.x: the server keeps trying; nothing to do.</summary>
    public sealed record TransientBounce(string Detail) : InboundKind;

    public sealed record AutoReply(string Reason) : InboundKind;

    public sealed record Unsubscribe(string? Token, IReadOnlyList<string> ReplyIds) : InboundKind;

    public sealed record Reply(IReadOnlyList<string> ReplyIds) : InboundKind;
}

public sealed record FailedRecipient(string Address, string Status, string? Diagnostic);

/// <summary>
/// Classifies new mail: bounce (DSN), then auto-reply (<c>Auto-Submitted</c> other than <c>no</c>,
/// <c>X-Autoreply</c>, <c>Precedence: bulk|auto_reply|junk</c>), then an unsubscribe request, then a human reply.
/// </summary>
public static partial class InboundClassifier
{
    public static InboundKind Classify(MimeMessage message)
    {
        if (DeliveryReport(message) is { } report)
        {
            return report;
        }

        if (AutoReplyReason(message) is { } reason)
        {
            return new InboundKind.AutoReply(reason);
        }

        var replyIds = ReplyIds(message);
        var subject = message.Subject?.Trim() ?? "";
        if (subject.StartsWith("unsubscribe", StringComparison.OrdinalIgnoreCase))
        {
            var token = Token().Match(subject);
            return new InboundKind.Unsubscribe(token.Success ? token.Groups["token"].Value.ToLowerInvariant() : null, replyIds);
        }

        if (FirstLine(message.TextBody) is "unsubscribe" or "stop")
        {
            return new InboundKind.Unsubscribe(null, replyIds);
        }

        return new InboundKind.Reply(replyIds);
    }

    /// <summary>In-Reply-To first, then References from the newest back.</summary>
    public static IReadOnlyList<string> ReplyIds(MimeMessage message)
    {
        var ids = new List<string>();
        if (!string.IsNullOrWhiteSpace(message.InReplyTo))
        {
            ids.Add(message.InReplyTo.Trim('<', '>', ' '));
        }

        ids.AddRange(message.References.Reverse().Select(r => r.Trim('<', '>', ' ')));
        return ids.Where(id => id.Length > 0).Distinct().ToList();
    }

    private static InboundKind? DeliveryReport(MimeMessage message)
    {
        var report = message.BodyParts.OfType<MessageDeliveryStatus>().FirstOrDefault();
        if (report is null)
        {
            return null;
        }

        var failed = new List<FailedRecipient>();
        var transient = new List<string>();
        foreach (var group in report.StatusGroups.Skip(1))
        {
            var action = group["Action"]?.Trim().ToLowerInvariant() ?? "";
            var status = (group["Status"] ?? "").Trim().Split(' ', 2)[0];
            var recipient = AddressOf(group["Final-Recipient"]) ?? AddressOf(group["Original-Recipient"]);
            if (recipient is null)
            {
                continue;
            }

            if (action == "failed" && status.StartsWith("5.", StringComparison.Ordinal))
            {
                failed.Add(new FailedRecipient(recipient, status, group["Diagnostic-Code"]?.Trim()));
            }
            else
            {
                transient.Add($"{action} {status}".Trim());
            }
        }

        if (failed.Count > 0)
        {
            var original = message.BodyParts.OfType<MessagePart>().Select(p => p.Message?.MessageId).FirstOrDefault(id => id is not null);
            return new InboundKind.HardBounce(original, failed);
        }

        return new InboundKind.TransientBounce(transient.Count > 0 ? string.Join(", ", transient) : "delivery report without a failure");
    }

    private static string? AutoReplyReason(MimeMessage message)
    {
        var autoSubmitted = message.Headers[HeaderId.AutoSubmitted]?.Split(';')[0].Trim();
        if (!string.IsNullOrEmpty(autoSubmitted) && !autoSubmitted.Equals("no", StringComparison.OrdinalIgnoreCase))
        {
            return $"Auto-Submitted: {autoSubmitted}";
        }

        if (message.Headers.Contains("X-Autoreply") || message.Headers.Contains("X-Autorespond"))
        {
            return "X-Autoreply";
        }

        var precedence = message.Headers[HeaderId.Precedence]?.Trim().ToLowerInvariant();
        return precedence is "bulk" or "auto_reply" or "junk" ? $"Precedence: {precedence}" : null;
    }

    private static string? AddressOf(string? field)
    {
        // "rfc822; someone@example.com"
        var value = field?.Split(';', 2) is [_, var address] ? address : field;
        value = value?.Trim().Trim('<', '>');
        return string.IsNullOrEmpty(value) || !value.Contains('@') ? null : value;
    }

    private static string? FirstLine(string? text) =>
        text?.Replace("\r", "").Split('\n').Select(l => l.Trim().TrimEnd('.', '!').ToLowerInvariant()).FirstOrDefault(l => l.Length > 0);

    [GeneratedRegex(@"unsubscribe\s+(?<token>[0-9a-fA-F]{32})")]
    private static partial Regex Token();
}
