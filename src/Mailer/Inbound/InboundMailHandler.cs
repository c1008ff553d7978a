using Cualify.Appliance.Core.Mail;
using Cualify.Appliance.Core.Privacy;
using Cualify.Appliance.Core.Sequences;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace Cualify.Appliance.Mailer.Inbound;

/// <summary>Acts on one inbound message once: a hard bounce stops and marks, a human reply stops, an unsubscribe opts out.</summary>
public sealed class InboundMailHandler(MailFeedback feedback, ILogger<InboundMailHandler> logger)
{
    /// <param name="fallbackKey">Identifies the message when it has no Message-ID.</param>
    public async Task<InboundKind> HandleAsync(MimeMessage message, string fallbackKey, CancellationToken cancellationToken)
    {
        var key = string.IsNullOrWhiteSpace(message.MessageId) ? fallbackKey : message.MessageId;
        var kind = InboundClassifier.Classify(message);
        var from = message.From.Mailboxes.FirstOrDefault()?.Address;
        switch (kind)
        {
            case InboundKind.HardBounce bounce:
                foreach (var recipient in bounce.Recipients)
                {
                    var detail = recipient.Diagnostic is null ? recipient.Status : $"{recipient.Status} {recipient.Diagnostic}";
                    var matched = await feedback.BounceAsync($"{key}|{recipient.Address.ToLowerInvariant()}", bounce.OriginalMessageId, recipient.Address, detail, cancellationToken);
                    logger.LogInformation("Hard bounce for {Recipient} ({Status}){Matched}", Redact.Text(recipient.Address), recipient.Status,
                        matched ? "" : ": no sent step matches; ignored");
                }

                break;
            case InboundKind.TransientBounce transient:
                logger.LogInformation("Delivery report without a hard failure ({Detail}); the server keeps trying", transient.Detail);
                break;
            case InboundKind.AutoReply auto:
                logger.LogInformation("Auto-reply from {From} ignored ({Reason})", Redact.Text(from ?? "?"), auto.Reason);
                break;
            case InboundKind.Unsubscribe unsubscribe:
                var done = await feedback.UnsubscribeByMailAsync(key, unsubscribe.Token, unsubscribe.ReplyIds, cancellationToken);
                logger.LogInformation("Unsubscribe request from {From}{Matched}", Redact.Text(from ?? "?"), done ? "" : ": no sent step matches; ignored");
                break;
            case InboundKind.Reply reply:
                var replied = reply.ReplyIds.Count > 0 && await feedback.ReplyAsync(key, reply.ReplyIds, from, message.Subject, cancellationToken);
                logger.LogInformation("Message from {From}: {Outcome}", Redact.Text(from ?? "?"), replied ? "a reply to a sequence email" : "not a reply to any sequence email; ignored");
                break;
        }

        return kind;
    }
}
