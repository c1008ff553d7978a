using MimeKit;

namespace Cualify.Appliance.Mailer.Sending;

/// <summary>Where messages leave the appliance: an SMTP server, or the pickup folder on a fresh install.</summary>
public interface IMailTransport
{
    /// <summary>How many messages may be in flight at once.</summary>
    int Parallelism { get; }

    /// <summary>Sends one message from <paramref name="mailbox"/>.</summary>
    /// <exception cref="MailDeliveryException">It did not leave; the failure says whether to retry.</exception>
    Task SendAsync(MailboxOptions mailbox, MimeMessage message, CancellationToken cancellationToken);
}
