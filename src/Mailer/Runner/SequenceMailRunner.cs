using System.Threading.Channels;
using Cualify.Appliance.Core.AdminNotices;
using Cualify.Appliance.Core.Mail;
using Cualify.Appliance.Core.Metrics;
using Cualify.Appliance.Core.Privacy;
using Cualify.Appliance.Core.Sequences;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Mailer.Sending;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Mailer.Runner;

/// <summary>
/// The step runner: woken by <see cref="MailSignal"/> (a new enrollment, an approval, a step recorded) or by its
/// poll, it claims due email steps from the store, sends them in parallel through the transport, and hands the
/// outcomes to a recorder that writes them back in batches. Due voice steps queue their calls on the same pass
/// (<see cref="VoiceSteps"/>; the dialer does the dialing), and admin notices go out on it too.
/// </summary>
public sealed class SequenceMailRunner(
    EmailStepQueue queue,
    VoiceSteps voiceSteps,
    AdminNoticeSender notices,
    MailSignal signal,
    IMailTransport transport,
    MessageComposer composer,
    IOptions<MailerOptions> options,
    ApplianceMetrics metrics,
    TimeProvider time,
    ILogger<SequenceMailRunner> logger) : BackgroundService
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);
    private readonly Counter _messages = metrics.Counter("cualify_mail_messages_total", "Sequence emails by outcome", "outcome");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Claiming, sending and recording overlap: the claimer fills a bounded queue, one sender per connection
        // drains it, and the recorder writes outcomes back in batches.
        var batchSize = Math.Max(16, transport.Parallelism * 16);
        var work = Channel.CreateBounded<OutgoingEmail>(new BoundedChannelOptions(batchSize * 2) { SingleWriter = true });
        var outcomes = Channel.CreateUnbounded<EmailOutcome>(new UnboundedChannelOptions { SingleReader = true });
        var recording = RecordAsync(outcomes.Reader);
        var senders = Enumerable.Range(0, transport.Parallelism).Select(_ => SendAllAsync(work.Reader, outcomes.Writer, stoppingToken)).ToList();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var next = signal.Next;
                var until = time.GetUtcNow() + options.Value.PollInterval;
                try
                {
                    await notices.SendDueAsync(stoppingToken);
                    var voiceDue = await PlaceDueCallsAsync(stoppingToken);
                    var emailDue = await ClaimDueStepsAsync(work.Writer, batchSize, stoppingToken);
                    if (Earliest(emailDue, voiceDue) is { } due && due < until)
                    {
                        // Not sooner than 50 ms, so a step that stays due (a full mailbox) cannot spin the loop.
                        var soonest = time.GetUtcNow() + TimeSpan.FromMilliseconds(50);
                        until = due > soonest ? due : soonest;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    logger.LogError(ex, "The mail runner's pass failed; it tries again at {Until}", until);
                }

                await WorkSignal.WaitUntilAsync(next, until, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            work.Writer.TryComplete();
            await Task.WhenAll(senders);
            outcomes.Writer.TryComplete();
            await recording;
        }
    }

    /// <summary>Queues the calls of due voice steps; a failure here is logged and does not hold up the mail.</summary>
    private async Task<DateTimeOffset?> PlaceDueCallsAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await voiceSteps.PlaceDueAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogError(ex, "Placing the calls of due voice steps failed; the runner tries again on its next pass");
            return null;
        }
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;

    /// <summary>Claims batches while full ones keep coming; returns when the next step falls due.</summary>
    private async Task<DateTimeOffset?> ClaimDueStepsAsync(ChannelWriter<OutgoingEmail> work, int batchSize, CancellationToken cancellationToken)
    {
        var quotas = options.Value.EffectiveMailboxes.Select(m => new MailboxQuota(m.Address, m.HourlyLimit, m.DailyLimit)).ToList();
        while (true)
        {
            var claim = await queue.ClaimAsync(quotas, batchSize, Lease, cancellationToken);
            foreach (var email in claim.Ready)
            {
                await work.WriteAsync(email, cancellationToken);
            }

            if (claim.Ready.Count < batchSize)
            {
                return claim.NextDueAt;
            }
        }
    }

    private async Task SendAllAsync(ChannelReader<OutgoingEmail> work, ChannelWriter<EmailOutcome> outcomes, CancellationToken cancellationToken)
    {
        var mailboxes = options.Value.EffectiveMailboxes;
        try
        {
            await foreach (var email in work.ReadAllAsync(cancellationToken))
            {
                outcomes.TryWrite(await SendAsync(email, mailboxes, cancellationToken));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Claimed messages not sent yet are due again once their lease ends.
        }
    }

    private async Task<EmailOutcome> SendAsync(OutgoingEmail email, IReadOnlyList<MailboxOptions> mailboxes, CancellationToken cancellationToken)
    {
        var mailbox = mailboxes.First(m => string.Equals(m.Address, email.Mailbox, StringComparison.OrdinalIgnoreCase));
        try
        {
            await transport.SendAsync(mailbox, composer.Compose(email, mailbox), cancellationToken);
            _messages.Inc("sent");
            return new EmailOutcome(email, EmailOutcomeKind.Sent);
        }
        catch (MailDeliveryException ex)
        {
            var outcome = ex.Failure switch
            {
                MailFailure.RecipientRejected => new EmailOutcome(email, EmailOutcomeKind.RecipientRejected, ex.Message),
                MailFailure.MessageRejected => new EmailOutcome(email, EmailOutcomeKind.MessageRejected, ex.Message),
                _ => new EmailOutcome(email, EmailOutcomeKind.Transient, ex.Message, MailRetrySchedule.Next(options.Value.EffectiveRetryDelays, email.Attempt, time.GetUtcNow())),
            };
            _messages.Inc(outcome.Kind == EmailOutcomeKind.Transient && outcome.RetryAt is null ? "gave_up" : outcome.Kind.ToString().ToLowerInvariant());
            logger.LogWarning("Step {Step} of {Enrollment} to {To} did not leave (attempt {Attempt}): {Error}; {Next}",
                email.Position + 1, email.EnrollmentId, Redact.Text(email.ToAddress), email.Attempt, ex.Message,
                outcome.RetryAt is { } at ? $"retry at {at:u}" : "no retry");
            return outcome;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A message that cannot even be built (a malformed stored address, an unreadable DKIM key) fails alone;
            // the sender goes on with the next one.
            logger.LogError(ex, "Step {Step} of {Enrollment} could not be composed or sent", email.Position + 1, email.EnrollmentId);
            _messages.Inc("messagerejected");
            return new EmailOutcome(email, EmailOutcomeKind.MessageRejected, $"the appliance could not build the message: {ex.GetType().Name}");
        }
    }

    /// <summary>Writes outcomes back as they come, many per transaction; runs until the runner stops and the queue is drained.</summary>
    private async Task RecordAsync(ChannelReader<EmailOutcome> reader)
    {
        var batch = new List<EmailOutcome>();
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < 500 && reader.TryRead(out var outcome))
            {
                batch.Add(outcome);
            }

            try
            {
                await queue.RecordAsync(batch, CancellationToken.None);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Recording {Count} mail outcomes failed; those steps are sent again once their lease ends", batch.Count);
            }

            batch.Clear();
        }
    }
}
