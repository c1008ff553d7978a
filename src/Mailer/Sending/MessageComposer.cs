using System.Net;
using Cualify.Appliance.Core.AdminNotices;
using Cualify.Appliance.Core.Api;
using Cualify.Appliance.Core.Mail;
using Cualify.Appliance.Core.Sequences;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;

namespace Cualify.Appliance.Mailer.Sending;

/// <summary>
/// Builds the MIME message of a step: our own Message-ID, threading under the earlier steps (In-Reply-To,
/// References), List-Unsubscribe (mailto, plus one-click https per RFC 8058 when there is a public URL),
/// an optional open pixel, and an optional DKIM signature.
/// </summary>
public sealed class MessageComposer(IOptions<MailerOptions> mailer, IOptions<ApiOptions> api, TimeProvider time)
{
    private static readonly HeaderId[] SignedHeaders =
    [
        HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId, HeaderId.InReplyTo, HeaderId.References,
        HeaderId.ListUnsubscribe, HeaderId.ListUnsubscribePost, HeaderId.MimeVersion, HeaderId.ContentType,
    ];

    private readonly Lazy<DkimSigner?> _signer = new(() => CreateSigner(mailer.Value.Dkim));

    public MimeMessage Compose(OutgoingEmail email, MailboxOptions mailbox)
    {
        var message = new MimeMessage
        {
            Subject = email.Subject,
            Date = time.GetUtcNow(),
            MessageId = email.MessageId,
        };
        message.From.Add(new MailboxAddress(mailbox.DisplayName ?? "", mailbox.Address));
        message.To.Add(new MailboxAddress(email.ToName ?? "", email.ToAddress));
        if (email.InReplyTo is not null)
        {
            message.InReplyTo = email.InReplyTo;
            foreach (var reference in email.References)
            {
                message.References.Add(reference);
            }
        }

        var unsubscribe = MailLinks.Unsubscribe(api.Value, email.Token);
        var mailto = MailLinks.MailtoUnsubscribe(mailbox.Address, email.Token);
        message.Headers.Add(HeaderId.ListUnsubscribe, unsubscribe is null ? $"<{mailto}>" : $"<{mailto}>, <{unsubscribe}>");
        if (unsubscribe is not null)
        {
            message.Headers.Add(HeaderId.ListUnsubscribePost, "List-Unsubscribe=One-Click");
        }

        var footer = unsubscribe is null
            ? "To stop these emails, reply with the word unsubscribe."
            : $"To stop these emails: {unsubscribe}";
        var text = $"{email.Body.TrimEnd()}\n\n--\n{footer}\n";
        var plain = new TextPart("plain") { Text = text };
        var pixel = mailer.Value.TrackOpens ? MailLinks.Open(api.Value, email.Token) : null;
        message.Body = pixel is null ? plain : new MultipartAlternative { plain, new TextPart("html") { Text = Html(email.Body, footer, pixel) } };
        Sign(message);
        return message;
    }

    /// <summary>A plain-text notice to the org's admins.</summary>
    public MimeMessage ComposeNotice(AdminNotice notice, MailboxOptions mailbox)
    {
        var message = new MimeMessage
        {
            Subject = notice.Subject,
            Date = time.GetUtcNow(),
            MessageId = $"{notice.Id}@{mailbox.Address[(mailbox.Address.LastIndexOf('@') + 1)..]}",
            Body = new TextPart("plain") { Text = notice.Body },
        };
        message.From.Add(new MailboxAddress(mailbox.DisplayName ?? "Cualify Appliance", mailbox.Address));
        foreach (var recipient in notice.RecipientList)
        {
            message.To.Add(MailboxAddress.Parse(recipient));
        }

        message.Headers.Add(HeaderId.AutoSubmitted, "auto-generated");
        Sign(message);
        return message;
    }

    private void Sign(MimeMessage message)
    {
        if (_signer.Value is { } signer)
        {
            message.Prepare(EncodingConstraint.SevenBit);
            signer.Sign(message, SignedHeaders);
        }
    }

    private static string Html(string body, string footer, Uri pixel)
    {
        var paragraphs = body.TrimEnd().Replace("\r\n", "\n").Split("\n\n")
            .Select(p => $"<p>{WebUtility.HtmlEncode(p).Replace("\n", "<br>")}</p>");
        return $"<!DOCTYPE html><html><body>{string.Concat(paragraphs)}<p style=\"color:#777;font-size:12px\">{WebUtility.HtmlEncode(footer)}</p>"
            + $"<img src=\"{pixel}\" width=\"1\" height=\"1\" alt=\"\"></body></html>";
    }

    private static DkimSigner? CreateSigner(DkimOptions dkim) => dkim.Enabled
        ? new DkimSigner(dkim.PrivateKeyPath!, dkim.Domain!, dkim.Selector!, DkimSignatureAlgorithm.RsaSha256)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        }
        : null;
}
