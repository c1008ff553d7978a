using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Sequences;

/// <summary>
/// The mailer's side of the store: claims due email steps (checking the contact, the sending window and the
/// mailboxes' caps in the same transaction) and records what the SMTP server said, advancing the sequence.
/// </summary>
public sealed class EmailStepQueue(ApplianceStore store, EnrollmentStore enrollments, ContactStore contacts, MailFeedback feedback, EventOutbox outbox, MailSignal signal)
{
    private sealed record Candidate(EnrollmentStep Step, Enrollment Enrollment);

    /// <summary>Claims up to <paramref name="limit"/> due email steps and returns those that may leave now.</summary>
    public Task<EmailClaim> ClaimAsync(IReadOnlyList<MailboxQuota> mailboxes, int limit, TimeSpan lease, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var due = (await tx.QueryAsync<EnrollmentStep>($"""
                SELECT {EnrollmentStore.StepColumns} FROM (
                    SELECT * FROM sequence_steps WHERE status = 'scheduled' AND scheduled_at <= @Now AND channel = 'email'
                    UNION ALL
                    SELECT * FROM sequence_steps WHERE status = 'sending' AND claimed_until < @Now AND channel = 'email')
                WHERE enrollment_id IN (SELECT id FROM sequence_enrollments WHERE status = 'active')
                ORDER BY scheduled_at LIMIT @limit
                """, new { tx.Now, limit })).ToList();
            var usage = await MailboxUsage.ReadAsync(tx, mailboxes);
            var ready = new List<OutgoingEmail>();
            foreach (var step in due)
            {
                var enrollment = await enrollments.GetAsync(tx, step.EnrollmentId);
                if (await PrepareAsync(tx, step, enrollment, usage, lease) is { } email)
                {
                    ready.Add(email);
                }
            }

            var next = await tx.QuerySingleOrDefaultAsync<string?>("""
                SELECT min(scheduled_at) FROM sequence_steps
                WHERE status = 'scheduled' AND channel = 'email'
                  AND enrollment_id IN (SELECT id FROM sequence_enrollments WHERE status = 'active')
                """);
            return new EmailClaim(ready, next is null ? null : UtcTimestamp.Parse(next));
        }, cancellationToken);

    private async Task<OutgoingEmail?> PrepareAsync(StoreTransaction tx, EnrollmentStep step, Enrollment enrollment, MailboxUsage usage, TimeSpan lease)
    {
        var contact = await contacts.GetAsync(tx, enrollment.OrgId, enrollment.ContactId)
            ?? throw new InvalidOperationException($"Enrollment {enrollment.Id} has no contact");
        if (contact.OptedOutEmail)
        {
            await enrollments.EndAsync(tx, enrollment, EnrollmentStatus.StoppedOptOut, "the contact opted out of email");
            await SetStatusAsync(tx, step, StepStatus.Canceled, "the contact opted out of email");
            return null;
        }

        if (contact.EmailStatus == "undeliverable")
        {
            await SetStatusAsync(tx, step, StepStatus.Skipped, "the contact's address is undeliverable");
            await enrollments.EndAsync(tx, enrollment, EnrollmentStatus.StoppedBounce, "the contact's address is undeliverable");
            return null;
        }

        if (contact.Email is null)
        {
            await SetStatusAsync(tx, step, StepStatus.Skipped, "the contact has no email address");
            await enrollments.AdvanceAsync(tx, enrollment, step.Position);
            return null;
        }

        if (!step.Forced)
        {
            var opens = SendingWindow.NextAllowed(enrollment.SendingWindow, EnrollmentStore.Zones(enrollment), tx.Now);
            if (opens > tx.Now)
            {
                await DeferAsync(tx, step, opens);
                return null;
            }
        }

        var (mailbox, freeAt) = usage.Choose(enrollment.Mailbox);
        if (mailbox is null)
        {
            await DeferAsync(tx, step, freeAt ?? tx.Now.AddMinutes(5));
            return null;
        }

        usage.Take(mailbox);
        var attempt = step.Attempts + 1;
        var messageId = step.MessageId ?? $"{Guid.CreateVersion7(tx.Now):N}@{mailbox[(mailbox.LastIndexOf('@') + 1)..]}";
        await tx.ExecuteAsync("""
            UPDATE sequence_steps SET status = 'sending', attempts = @attempt, claimed_until = @until, message_id = @messageId,
                to_address = @To, mailbox = @mailbox
            WHERE id = @Id
            """, new { step.Id, attempt, until = tx.Now + lease, messageId, To = contact.Email, mailbox });
        if (enrollment.Mailbox is null || !string.Equals(enrollment.Mailbox, mailbox, StringComparison.OrdinalIgnoreCase))
        {
            await tx.ExecuteAsync("UPDATE sequence_enrollments SET mailbox = @mailbox WHERE id = @Id", new { enrollment.Id, mailbox });
        }

        var email = new OutgoingEmail(step.Id, enrollment.OrgId, enrollment.Id, contact.Id, step.Position, attempt, mailbox, contact.Email,
            contact.Name, step.Subject ?? "", step.Body ?? "", messageId, null, [], step.Token);
        await MailboxUsage.RecordAsync(tx, email.SendId, mailbox, "step");
        var earlier = (await tx.QueryAsync<string>("""
            SELECT message_id FROM sequence_steps
            WHERE enrollment_id = @EnrollmentId AND position < @Position AND channel = 'email' AND status = 'sent' AND message_id IS NOT NULL
            ORDER BY position
            """, new { step.EnrollmentId, step.Position })).ToList();
        return earlier.Count == 0 ? email : email with { InReplyTo = earlier[^1], References = earlier };
    }

    /// <summary>Records what the server said for each message, in one transaction.</summary>
    public Task RecordAsync(IReadOnlyList<EmailOutcome> outcomes, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            foreach (var outcome in outcomes)
            {
                await RecordAsync(tx, outcome);
            }
        }, cancellationToken);

    private async Task RecordAsync(StoreTransaction tx, EmailOutcome outcome)
    {
        var email = outcome.Email;
        var step = await tx.QuerySingleOrDefaultAsync<EnrollmentStep>(
            $"SELECT {EnrollmentStore.StepColumns} FROM sequence_steps WHERE id = @StepId", new { email.StepId });
        if (step is null || step.Status != StepStatus.Sending || step.Attempts != email.Attempt)
        {
            // Erased meanwhile, or claimed again after its lease ran out; the newer claim records itself.
            return;
        }

        if (outcome.Kind != EmailOutcomeKind.Sent)
        {
            await MailboxUsage.ForgetAsync(tx, email.SendId);
        }

        switch (outcome.Kind)
        {
            case EmailOutcomeKind.Sent:
                await tx.ExecuteAsync(
                    "UPDATE sequence_steps SET status = 'sent', sent_at = @Now, claimed_until = NULL, last_error = NULL WHERE id = @StepId",
                    new { email.StepId, tx.Now });
                await outbox.AppendAsync(tx, email.OrgId, SequenceEvents.EmailSent, new
                {
                    enrollment_id = email.EnrollmentId,
                    contact_id = email.ContactId,
                    step = email.Position,
                    message_id = $"<{email.MessageId}>",
                    from = email.Mailbox,
                    to = email.ToAddress,
                    subject = email.Subject,
                    sent_at = tx.Now,
                });
                await enrollments.AdvanceAsync(tx, await enrollments.GetAsync(tx, email.EnrollmentId), email.Position);
                break;
            case EmailOutcomeKind.Transient when outcome.RetryAt is { } retryAt:
                await tx.ExecuteAsync(
                    "UPDATE sequence_steps SET status = 'scheduled', scheduled_at = @retryAt, claimed_until = NULL, last_error = @Error WHERE id = @StepId",
                    new { email.StepId, retryAt, outcome.Error });
                // The runner may be asleep until a later step; it must wake to learn of this earlier retry.
                tx.AfterCommit(signal.Notify);
                break;
            case EmailOutcomeKind.RecipientRejected:
                await feedback.HardBounceAsync(tx, step, "smtp", outcome.Error ?? "the server rejected the recipient");
                break;
            default:
                await SetStatusAsync(tx, step, StepStatus.Failed, outcome.Error ?? "the server refused the message");
                await enrollments.AdvanceAsync(tx, await enrollments.GetAsync(tx, email.EnrollmentId), email.Position);
                break;
        }
    }

    private static Task SetStatusAsync(StoreTransaction tx, EnrollmentStep step, string status, string? error) =>
        tx.ExecuteAsync("UPDATE sequence_steps SET status = @status, claimed_until = NULL, last_error = @error WHERE id = @Id", new { step.Id, status, error });

    private static Task DeferAsync(StoreTransaction tx, EnrollmentStep step, DateTimeOffset at) =>
        tx.ExecuteAsync("UPDATE sequence_steps SET status = 'scheduled', scheduled_at = @at, claimed_until = NULL WHERE id = @Id", new { step.Id, at });
}
