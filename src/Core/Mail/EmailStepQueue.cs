using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Json;
using Cualify.Appliance.Core.Sequences;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Mail;

/// <summary>
/// The mailer's side of the store: claims due email steps (checking the contact, the sending window and the
/// mailboxes' caps in the same transaction) and records what the SMTP server said, advancing the sequence.
/// Both work set-based on a batch, so the cost per message stays small when thousands are due at once.
/// </summary>
public sealed class EmailStepQueue(ApplianceStore store, EnrollmentStore enrollments, EnrollmentStop stop, MailFeedback feedback, EventOutbox outbox, MailSignal signal)
{
    private const string DueColumns = """
        s.id AS StepId, s.enrollment_id AS EnrollmentId, s.position AS Position, s.subject AS Subject, s.body AS Body, s.token AS Token,
        s.attempts AS Attempts, s.forced AS Forced, s.message_id AS MessageId, e.org_id AS OrgId, e.contact_id AS ContactId,
        e.mailbox AS EnrollmentMailbox, e.sending_window AS SendingWindow, e.time_zone AS TimeZone,
        c.email AS Email, c.name AS Name, c.email_status AS EmailStatus, c.opted_out_email AS OptedOutEmail
        """;

    private sealed class Due
    {
        public string StepId { get; init; } = "";

        public string EnrollmentId { get; init; } = "";

        public int Position { get; init; }

        public string? Subject { get; init; }

        public string? Body { get; init; }

        public string Token { get; init; } = "";

        public int Attempts { get; init; }

        public bool Forced { get; init; }

        public string? MessageId { get; init; }

        public string OrgId { get; init; } = "";

        public string ContactId { get; init; } = "";

        public string? EnrollmentMailbox { get; init; }

        public string? SendingWindow { get; init; }

        public string? TimeZone { get; init; }

        public string? Email { get; init; }

        public string? Name { get; init; }

        public string EmailStatus { get; init; } = "";

        public bool OptedOutEmail { get; init; }
    }

    private sealed record Sent(string EnrollmentId, long Position, string MessageId);

    /// <summary>Claims up to <paramref name="limit"/> due email steps and returns those that may leave now.</summary>
    public Task<EmailClaim> ClaimAsync(IReadOnlyList<MailboxQuota> mailboxes, int limit, TimeSpan lease, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            // One claim at a time across nodes: the mailboxes' caps are counted from what earlier claims took.
            await tx.LockAsync("email-claim");
            var due = (await tx.QueryAsync<Due>($"""
                SELECT * FROM (
                    SELECT {DueColumns}, s.scheduled_at AS DueAt FROM sequence_steps s
                    JOIN sequence_enrollments e ON e.id = s.enrollment_id AND e.status = 'active'
                    JOIN contacts c ON c.id = e.contact_id
                    WHERE s.status = 'scheduled' AND s.scheduled_at <= @Now AND s.channel = 'email'
                    UNION ALL
                    SELECT {DueColumns}, s.claimed_until AS DueAt FROM sequence_steps s
                    JOIN sequence_enrollments e ON e.id = s.enrollment_id AND e.status = 'active'
                    JOIN contacts c ON c.id = e.contact_id
                    WHERE s.status = 'sending' AND s.claimed_until < @Now AND s.channel = 'email') AS due
                ORDER BY DueAt LIMIT @limit
                """, new { tx.Now, limit })).ToList();
            var usage = await MailboxUsage.ReadAsync(tx, mailboxes);
            var ready = new List<OutgoingEmail>();
            foreach (var step in due)
            {
                if (await PrepareAsync(tx, step, usage) is { } email)
                {
                    ready.Add(email);
                }
            }

            if (ready.Count > 0)
            {
                ready = await TakeAsync(tx, ready, lease);
            }

            var next = await tx.QuerySingleOrDefaultAsync<string?>("""
                SELECT min(s.scheduled_at) FROM sequence_steps s JOIN sequence_enrollments e ON e.id = s.enrollment_id AND e.status = 'active'
                WHERE s.status = 'scheduled' AND s.channel = 'email'
                """);
            return new EmailClaim(ready, next is null ? null : UtcTimestamp.Parse(next));
        }, cancellationToken);

    /// <summary>Decides one due step: stop, skip or defer it (rare, one at a time), or make it ready to send.</summary>
    private async Task<OutgoingEmail?> PrepareAsync(StoreTransaction tx, Due step, MailboxUsage usage)
    {
        if (step.OptedOutEmail)
        {
            await SetStatusAsync(tx, step.StepId, StepStatus.Canceled, "the contact opted out of email");
            await stop.StopAsync(tx, await enrollments.GetAsync(tx, step.EnrollmentId), EnrollmentStatus.StoppedOptOut, "the contact opted out of email");
            return null;
        }

        if (step.EmailStatus == "undeliverable")
        {
            await SetStatusAsync(tx, step.StepId, StepStatus.Skipped, "the contact's address is undeliverable");
            await stop.StopAsync(tx, await enrollments.GetAsync(tx, step.EnrollmentId), EnrollmentStatus.StoppedBounce, "the contact's address is undeliverable");
            return null;
        }

        if (step.Email is null)
        {
            await SetStatusAsync(tx, step.StepId, StepStatus.Skipped, "the contact has no email address");
            await enrollments.AdvanceManyAsync(tx, [(step.EnrollmentId, step.Position)]);
            return null;
        }

        if (!step.Forced)
        {
            var opens = SendingWindow.NextAllowed(step.SendingWindow, EnrollmentStore.Zones(step.TimeZone), tx.Now);
            if (opens > tx.Now)
            {
                await DeferAsync(tx, step.StepId, opens);
                return null;
            }
        }

        var (mailbox, freeAt) = usage.Choose(step.EnrollmentMailbox);
        if (mailbox is null)
        {
            await DeferAsync(tx, step.StepId, freeAt ?? tx.Now.AddMinutes(5));
            return null;
        }

        usage.Take(mailbox);
        var messageId = step.MessageId ?? $"{Guid.CreateVersion7(tx.Now):N}@{mailbox[(mailbox.LastIndexOf('@') + 1)..]}";
        return new OutgoingEmail(step.StepId, step.OrgId, step.EnrollmentId, step.ContactId, step.Position, step.Attempts + 1, mailbox, step.Email,
            step.Name, step.Subject ?? "", step.Body ?? "", messageId, null, [], step.Token);
    }

    /// <summary>Marks the ready steps as being sent, holds their places in the mailboxes' caps, and adds threading.</summary>
    private static async Task<List<OutgoingEmail>> TakeAsync(StoreTransaction tx, List<OutgoingEmail> ready, TimeSpan lease)
    {
        var json = ApplianceJson.Serialize(ready.Select(e => new
        {
            id = e.StepId, attempt = e.Attempt, message_id = e.MessageId, to = e.ToAddress, mailbox = e.Mailbox, enrollment_id = e.EnrollmentId, send_id = e.SendId,
        }));
        await tx.ExecuteAsync($"""
            UPDATE sequence_steps SET status = 'sending', attempts = j.attempt, claimed_until = @until, message_id = j.message_id,
                to_address = j.to_address, mailbox = j.mailbox
            FROM (SELECT value ->> 'id' AS id, CAST(value ->> 'attempt' AS BIGINT) AS attempt, value ->> 'message_id' AS message_id,
                         value ->> 'to' AS to_address, value ->> 'mailbox' AS mailbox FROM {tx.Dialect.JsonObjects("@json")}) AS j
            WHERE sequence_steps.id = j.id
            """, new { json, until = tx.Now + lease });
        await tx.ExecuteAsync($"""
            UPDATE sequence_enrollments SET mailbox = j.mailbox
            FROM (SELECT DISTINCT value ->> 'enrollment_id' AS id, value ->> 'mailbox' AS mailbox FROM {tx.Dialect.JsonObjects("@json")}) AS j
            WHERE sequence_enrollments.id = j.id AND (sequence_enrollments.mailbox IS NULL OR sequence_enrollments.mailbox <> j.mailbox)
            """, new { json });
        await tx.ExecuteAsync($"""
            INSERT INTO mail_sends (id, mailbox, kind, created_at)
            SELECT value ->> 'send_id', value ->> 'mailbox', 'step', @Now FROM {tx.Dialect.JsonObjects("@json")} WHERE true
            ON CONFLICT (id) DO NOTHING
            """, new { json, tx.Now });

        var earlier = (await tx.QueryAsync<Sent>($"""
            SELECT enrollment_id AS EnrollmentId, position AS Position, message_id AS MessageId FROM sequence_steps
            WHERE enrollment_id IN (SELECT DISTINCT value ->> 'enrollment_id' FROM {tx.Dialect.JsonObjects("@json")})
              AND channel = 'email' AND status = 'sent' AND message_id IS NOT NULL
            ORDER BY position
            """, new { json })).ToLookup(s => s.EnrollmentId);
        return ready.Select(email =>
        {
            var ids = earlier[email.EnrollmentId].Where(s => s.Position < email.Position).Select(s => s.MessageId).ToList();
            return ids.Count == 0 ? email : email with { InReplyTo = ids[^1], References = ids };
        }).ToList();
    }

    /// <summary>Records what the server said for each message, in one transaction.</summary>
    public Task RecordAsync(IReadOnlyList<EmailOutcome> outcomes, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var current = (await tx.QueryAsync<EnrollmentStep>(
                $"SELECT {EnrollmentStore.StepColumns} FROM sequence_steps WHERE id IN (SELECT value FROM {tx.Dialect.JsonValues("@json")})",
                new { json = ApplianceJson.Serialize(outcomes.Select(o => o.Email.StepId)) })).ToDictionary(s => s.Id);

            // Erased meanwhile, or claimed again after the lease ran out (the newer claim records itself): skip.
            var live = outcomes.Where(o => current.TryGetValue(o.Email.StepId, out var step)
                && step.Status == StepStatus.Sending && step.Attempts == o.Email.Attempt).ToList();
            var sent = live.Where(o => o.Kind == EmailOutcomeKind.Sent).Select(o => o.Email).ToList();
            if (sent.Count > 0)
            {
                await RecordSentAsync(tx, sent);
            }

            foreach (var outcome in live.Where(o => o.Kind != EmailOutcomeKind.Sent))
            {
                await RecordFailureAsync(tx, current[outcome.Email.StepId], outcome);
            }
        }, cancellationToken);

    private async Task RecordSentAsync(StoreTransaction tx, IReadOnlyList<OutgoingEmail> sent)
    {
        await tx.ExecuteAsync(
            $"UPDATE sequence_steps SET status = 'sent', sent_at = @Now, claimed_until = NULL, last_error = NULL WHERE id IN (SELECT value FROM {tx.Dialect.JsonValues("@json")})",
            new { json = ApplianceJson.Serialize(sent.Select(e => e.StepId)), tx.Now });
        foreach (var email in sent)
        {
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
        }

        await enrollments.AdvanceManyAsync(tx, sent.Select(e => (e.EnrollmentId, e.Position)).ToList());
    }

    private async Task RecordFailureAsync(StoreTransaction tx, EnrollmentStep step, EmailOutcome outcome)
    {
        var email = outcome.Email;
        await MailboxUsage.ForgetAsync(tx, email.SendId);
        switch (outcome.Kind)
        {
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
                await SetStatusAsync(tx, step.Id, StepStatus.Failed, outcome.Error ?? "the server refused the message");
                await enrollments.AdvanceManyAsync(tx, [(email.EnrollmentId, email.Position)]);
                break;
        }
    }

    private static Task SetStatusAsync(StoreTransaction tx, string stepId, string status, string? error) =>
        tx.ExecuteAsync("UPDATE sequence_steps SET status = @status, claimed_until = NULL, last_error = @error WHERE id = @stepId", new { stepId, status, error });

    private static Task DeferAsync(StoreTransaction tx, string stepId, DateTimeOffset at) =>
        tx.ExecuteAsync("UPDATE sequence_steps SET status = 'scheduled', scheduled_at = @at, claimed_until = NULL WHERE id = @stepId", new { stepId, at });
}
