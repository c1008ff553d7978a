using Cualify.Appliance.Core.AdminNotices;
using Cualify.Appliance.Core.Mail;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Mailer.Sending;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Mailer.Runner;

/// <summary>Sends queued admin notices from the first sending mailbox; they count towards its caps but never wait for them.</summary>
public sealed class AdminNoticeSender(
    ApplianceStore store,
    AdminNoticeStore notices,
    IMailTransport transport,
    MessageComposer composer,
    IOptions<MailerOptions> options,
    TimeProvider time,
    ILogger<AdminNoticeSender> logger)
{
    public async Task SendDueAsync(CancellationToken cancellationToken)
    {
        var due = await store.WriteAsync(tx => notices.ClaimAsync(tx, 20, TimeSpan.FromMinutes(10)), cancellationToken);
        var mailbox = options.Value.EffectiveMailboxes[0];
        foreach (var notice in due)
        {
            string? error = null;
            var failure = MailFailure.Transient;
            try
            {
                await transport.SendAsync(mailbox, composer.ComposeNotice(notice, mailbox), cancellationToken);
            }
            catch (MailDeliveryException ex)
            {
                error = ex.Message;
                failure = ex.Failure;
            }

            var retryAt = failure == MailFailure.Transient ? MailRetrySchedule.Next(options.Value.EffectiveRetryDelays, notice.Attempts, time.GetUtcNow()) : null;
            await store.WriteAsync(async tx =>
            {
                if (error is null)
                {
                    await notices.RecordSentAsync(tx, notice.Id);
                    await MailboxUsage.RecordAsync(tx, $"notice:{notice.Id}", mailbox.Address, "notice");
                }
                else
                {
                    await notices.RecordFailureAsync(tx, notice.Id, error, retryAt);
                }
            }, CancellationToken.None);
            if (error is not null)
            {
                logger.LogWarning("Admin notice '{Subject}' did not leave (attempt {Attempt}): {Error}", notice.Subject, notice.Attempts, error);
            }
        }
    }
}
