using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Sequences;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Mail;

/// <summary>
/// What comes back from the outside about sent mail: hard bounces (from SMTP or a DSN), replies, unsubscribe
/// requests and opens. Each acts once per inbound message, and only a human reply stops a sequence for replying;
/// opens are recorded and drive nothing.
/// </summary>
public sealed class MailFeedback(ApplianceStore store, EnrollmentStore enrollments, EnrollmentStop stop, ContactStore contacts, EventOutbox outbox)
{
    /// <summary>The address of <paramref name="step"/> is undeliverable: the step bounced, the contact is marked, their sequences stop.</summary>
    public async Task HardBounceAsync(StoreTransaction tx, EnrollmentStep step, string source, string detail)
    {
        await tx.ExecuteAsync(
            "UPDATE sequence_steps SET status = 'bounced', claimed_until = NULL, last_error = @detail WHERE id = @Id",
            new { step.Id, detail });
        var enrollment = await enrollments.GetAsync(tx, step.EnrollmentId);
        var contact = await contacts.GetAsync(tx, enrollment.OrgId, enrollment.ContactId);
        if (contact is not null && contact.EmailStatus != "undeliverable"
            && string.Equals(contact.Email, step.ToAddress, StringComparison.OrdinalIgnoreCase))
        {
            var updated = await tx.QuerySingleAsync<Contact>($"""
                UPDATE contacts SET email_status = 'undeliverable', updated_at = @Now WHERE id = @Id RETURNING {ContactStore.Columns}
                """, new { contact.Id, tx.Now });
            await outbox.AppendAsync(tx, enrollment.OrgId, ContactEvents.Updated, ContactView.From(updated));
        }

        await outbox.AppendAsync(tx, enrollment.OrgId, SequenceEvents.EmailBounced, new
        {
            enrollment_id = enrollment.Id,
            contact_id = enrollment.ContactId,
            step = step.Position,
            message_id = step.MessageId is null ? null : $"<{step.MessageId}>",
            to = step.ToAddress,
            bounce_type = "hard",
            source,
            detail,
        });
        await stop.StopAllForContactAsync(tx, enrollment.ContactId, EnrollmentStatus.StoppedBounce, $"hard bounce: {detail}");
    }

    /// <summary>A DSN said delivery to <paramref name="recipient"/> failed for good.</summary>
    public Task<bool> BounceAsync(string inboundKey, string? originalMessageId, string recipient, string detail, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var step = originalMessageId is null ? null : await StepByMessageIdAsync(tx, originalMessageId);
            step ??= await tx.QuerySingleOrDefaultAsync<EnrollmentStep>($"""
                SELECT {EnrollmentStore.StepColumns} FROM sequence_steps
                WHERE lower(to_address) = lower(@recipient) AND status IN ('sent', 'bounced') ORDER BY sent_at DESC LIMIT 1
                """, new { recipient });
            if (step is null || !await FirstTimeAsync(tx, inboundKey, "bounce", step.Id))
            {
                return false;
            }

            await HardBounceAsync(tx, step, "dsn", detail);
            return true;
        }, cancellationToken);

    /// <summary>
    /// A human answered: the first of <paramref name="candidateIds"/> (In-Reply-To, then References newest first)
    /// that is one of our Message-IDs names the step; the sequence stops when its template says stop_on_reply.
    /// </summary>
    public Task<bool> ReplyAsync(string inboundKey, IReadOnlyList<string> candidateIds, string? from, string? subject, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var step = await FirstStepAsync(tx, candidateIds);
            if (step is null || !await FirstTimeAsync(tx, inboundKey, "reply", step.Id))
            {
                return false;
            }

            var enrollment = await enrollments.GetAsync(tx, step.EnrollmentId);
            await outbox.AppendAsync(tx, enrollment.OrgId, SequenceEvents.EmailReplied, new
            {
                enrollment_id = enrollment.Id,
                contact_id = enrollment.ContactId,
                step = step.Position,
                message_id = $"<{step.MessageId}>",
                from,
                subject,
                received_at = tx.Now,
            });
            if (enrollment.StopOnReply && EnrollmentStatus.IsOpen(enrollment.Status))
            {
                await stop.StopAsync(tx, enrollment, EnrollmentStatus.StoppedReply, $"the contact replied to step {step.Position + 1}");
            }

            return true;
        }, cancellationToken);

    /// <summary>An unsubscribe through a link or List-Unsubscribe: the contact is opted out of email and their sequences stop.</summary>
    public Task<bool> UnsubscribeAsync(string token, string source, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var step = await tx.QuerySingleOrDefaultAsync<EnrollmentStep>(
                $"SELECT {EnrollmentStore.StepColumns} FROM sequence_steps WHERE token = @token", new { token });
            if (step is null)
            {
                return false;
            }

            await OptOutAsync(tx, step, source);
            return true;
        }, cancellationToken);

    /// <summary>An unsubscribe request by mail: matched by the token in its subject, else as a reply to one of our messages.</summary>
    public Task<bool> UnsubscribeByMailAsync(string inboundKey, string? token, IReadOnlyList<string> candidateIds, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var step = token is null ? null : await tx.QuerySingleOrDefaultAsync<EnrollmentStep>(
                $"SELECT {EnrollmentStore.StepColumns} FROM sequence_steps WHERE token = @token", new { token });
            step ??= await FirstStepAsync(tx, candidateIds);
            if (step is null || !await FirstTimeAsync(tx, inboundKey, "unsubscribe", step.Id))
            {
                return false;
            }

            await OptOutAsync(tx, step, "unsubscribe_email");
            return true;
        }, cancellationToken);

    /// <summary>The tracking pixel was fetched: <c>email.opened</c> once per message, and nothing else.</summary>
    public Task<bool> OpenAsync(string token, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var step = await tx.QuerySingleOrDefaultAsync<EnrollmentStep>(
                $"SELECT {EnrollmentStore.StepColumns} FROM sequence_steps WHERE token = @token AND status = 'sent'", new { token });
            if (step is null || !await FirstTimeAsync(tx, $"open:{step.Id}", "open", step.Id))
            {
                return false;
            }

            var enrollment = await enrollments.GetAsync(tx, step.EnrollmentId);
            await outbox.AppendAsync(tx, enrollment.OrgId, SequenceEvents.EmailOpened, new
            {
                enrollment_id = enrollment.Id,
                contact_id = enrollment.ContactId,
                step = step.Position,
                message_id = $"<{step.MessageId}>",
                opened_at = tx.Now,
            });
            return true;
        }, cancellationToken);

    private async Task OptOutAsync(StoreTransaction tx, EnrollmentStep step, string source)
    {
        var enrollment = await enrollments.GetAsync(tx, step.EnrollmentId);
        var contact = await contacts.GetAsync(tx, enrollment.OrgId, enrollment.ContactId);
        if (contact is not null && !contact.OptedOutEmail)
        {
            await contacts.OptOutAsync(tx, contact, ContactChannel.Email, source);
        }

        await stop.StopAllForContactAsync(tx, enrollment.ContactId, EnrollmentStatus.StoppedOptOut, $"the contact unsubscribed ({source})");
    }

    private static async Task<EnrollmentStep?> FirstStepAsync(StoreTransaction tx, IReadOnlyList<string> candidateIds)
    {
        foreach (var id in candidateIds)
        {
            if (await StepByMessageIdAsync(tx, id) is { } step)
            {
                return step;
            }
        }

        return null;
    }

    private static Task<EnrollmentStep?> StepByMessageIdAsync(StoreTransaction tx, string messageId) =>
        tx.QuerySingleOrDefaultAsync<EnrollmentStep>(
            $"SELECT {EnrollmentStore.StepColumns} FROM sequence_steps WHERE message_id = @id",
            new { id = messageId.Trim().Trim('<', '>') });

    private static async Task<bool> FirstTimeAsync(StoreTransaction tx, string key, string kind, string stepId) =>
        await tx.ExecuteAsync(
            "INSERT INTO inbound_mail (message_key, kind, step_id, created_at) VALUES (@key, @kind, @stepId, @Now) ON CONFLICT (message_key) DO NOTHING",
            new { key, kind, stepId, tx.Now }) == 1;
}
