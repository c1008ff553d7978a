using Cualify.Appliance.Core.Common;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Sequences;

/// <summary>
/// Enrollments and their steps: reading them, approving, stopping, and moving from one step to the next.
/// Every transition writes its <c>sequence.*</c> event in the same transaction.
/// </summary>
public sealed class EnrollmentStore(ApplianceStore store, EventOutbox outbox, MailSignal signal)
{
    public const string Columns = """
        id, org_id, template_id, contact_id, status, language, sending_window, time_zone, stop_on_reply, mailbox,
        idempotency_key, request_fingerprint, stop_reason, approved_at, ended_at, created_at, updated_at
        """;

    public const string StepColumns = """
        id, enrollment_id, position, channel, delay_minutes, subject, body, agent_id, status, scheduled_at, claimed_until,
        attempts, forced, sent_at, message_id, to_address, mailbox, call_id, token, last_error
        """;

    public Task<Enrollment?> GetAsync(StoreTransaction tx, string orgId, string id) =>
        tx.QuerySingleOrDefaultAsync<Enrollment>($"SELECT {Columns} FROM sequence_enrollments WHERE org_id = @orgId AND id = @id", new { orgId, id });

    public Task<Enrollment> GetAsync(StoreTransaction tx, string id) =>
        tx.QuerySingleAsync<Enrollment>($"SELECT {Columns} FROM sequence_enrollments WHERE id = @id", new { id });

    public async Task<IReadOnlyList<EnrollmentStep>> StepsAsync(StoreTransaction tx, string enrollmentId) =>
        (await tx.QueryAsync<EnrollmentStep>($"SELECT {StepColumns} FROM sequence_steps WHERE enrollment_id = @enrollmentId ORDER BY position", new { enrollmentId })).ToList();

    public Task<EnrollmentView?> ViewAsync(string orgId, string id, CancellationToken cancellationToken = default) =>
        store.ReadAsync(async connection =>
        {
            var enrollment = await connection.QuerySingleOrDefaultAsync<Enrollment>(new CommandDefinition(
                $"SELECT {Columns} FROM sequence_enrollments WHERE org_id = @orgId AND id = @id", new { orgId, id }, cancellationToken: cancellationToken));
            if (enrollment is null)
            {
                return null;
            }

            var steps = await connection.QueryAsync<EnrollmentStep>(new CommandDefinition(
                $"SELECT {StepColumns} FROM sequence_steps WHERE enrollment_id = @id ORDER BY position", new { id }, cancellationToken: cancellationToken));
            return EnrollmentView.From(enrollment, steps);
        }, cancellationToken);

    public async Task<EnrollmentView> ViewAsync(StoreTransaction tx, Enrollment enrollment) =>
        EnrollmentView.From(enrollment, await StepsAsync(tx, enrollment.Id));

    /// <summary>The review gate opens: the enrollment becomes active and its first step is scheduled.</summary>
    public Task<EnrollmentView> ApproveAsync(string orgId, string id, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var enrollment = await GetAsync(tx, orgId, id) ?? throw ApplianceException.NotFound("Enrollment", "id");
            if (enrollment.Status != EnrollmentStatus.PendingReview)
            {
                throw ApplianceException.Conflict($"The enrollment is {enrollment.Status}; only a pending_review enrollment can be approved");
            }

            var active = await ActivateAsync(tx, enrollment, forceFirstStep: false);
            return await ViewAsync(tx, active);
        }, cancellationToken);

    /// <summary>Stops the enrollment at the caller's request (<c>canceled</c>); an ended one is returned as it is.</summary>
    public Task<EnrollmentView> StopAsync(string orgId, string id, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var enrollment = await GetAsync(tx, orgId, id) ?? throw ApplianceException.NotFound("Enrollment", "id");
            if (EnrollmentStatus.IsOpen(enrollment.Status))
            {
                enrollment = await EndAsync(tx, enrollment, EnrollmentStatus.Canceled, "stopped through the API");
            }

            return await ViewAsync(tx, enrollment);
        }, cancellationToken);

    /// <summary>Makes the enrollment active and schedules its first step: now when forced, else after its delay inside the window.</summary>
    public async Task<Enrollment> ActivateAsync(StoreTransaction tx, Enrollment enrollment, bool forceFirstStep)
    {
        var active = await tx.QuerySingleAsync<Enrollment>($"""
            UPDATE sequence_enrollments SET status = 'active', approved_at = @Now, updated_at = @Now WHERE id = @Id
            RETURNING {Columns}
            """, new { enrollment.Id, tx.Now });
        await ScheduleAsync(tx, active, 0, forceFirstStep);
        return active;
    }

    /// <summary>The step after <paramref name="finishedPosition"/> is scheduled, or the enrollment completes.</summary>
    public async Task AdvanceAsync(StoreTransaction tx, Enrollment enrollment, int finishedPosition)
    {
        if (enrollment.Status != EnrollmentStatus.Active)
        {
            return;
        }

        var scheduled = await ScheduleAsync(tx, enrollment, finishedPosition + 1, force: false);
        if (!scheduled)
        {
            var open = await tx.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM sequence_steps WHERE enrollment_id = @Id AND status IN ('pending', 'scheduled', 'sending')", new { enrollment.Id });
            if (open == 0)
            {
                await EndAsync(tx, enrollment, EnrollmentStatus.Completed, null);
            }
        }
    }

    /// <summary>
    /// Ends an open enrollment: completed, or stopped for a reply, opt-out, bounce or cancel. Steps not yet
    /// started are canceled; a step being sent right now finishes and is recorded.
    /// </summary>
    public async Task<Enrollment> EndAsync(StoreTransaction tx, Enrollment enrollment, string status, string? reason)
    {
        var ended = await tx.QuerySingleOrDefaultAsync<Enrollment>($"""
            UPDATE sequence_enrollments SET status = @status, stop_reason = @reason, ended_at = @Now, updated_at = @Now
            WHERE id = @Id AND status IN ('pending_review', 'active')
            RETURNING {Columns}
            """, new { enrollment.Id, status, reason, tx.Now });
        if (ended is null)
        {
            return await GetAsync(tx, enrollment.Id);
        }

        await tx.ExecuteAsync(
            "UPDATE sequence_steps SET status = 'canceled', claimed_until = NULL WHERE enrollment_id = @Id AND status IN ('pending', 'scheduled')",
            new { enrollment.Id });
        var data = new { enrollment_id = ended.Id, template_id = ended.TemplateId, contact_id = ended.ContactId, status, reason };
        await outbox.AppendAsync(tx, ended.OrgId, status == EnrollmentStatus.Completed ? SequenceEvents.Completed : SequenceEvents.Stopped, data);
        return ended;
    }

    /// <summary>Ends every open enrollment of a contact (an opt-out, an undeliverable address).</summary>
    public async Task EndAllForContactAsync(StoreTransaction tx, string contactId, string status, string reason)
    {
        var open = await tx.QueryAsync<Enrollment>(
            $"SELECT {Columns} FROM sequence_enrollments WHERE contact_id = @contactId AND status IN ('pending_review', 'active')", new { contactId });
        foreach (var enrollment in open)
        {
            await EndAsync(tx, enrollment, status, reason);
        }
    }

    private async Task<bool> ScheduleAsync(StoreTransaction tx, Enrollment enrollment, int position, bool force)
    {
        var step = await tx.QuerySingleOrDefaultAsync<EnrollmentStep>(
            $"SELECT {StepColumns} FROM sequence_steps WHERE enrollment_id = @Id AND position = @position AND status = 'pending'",
            new { enrollment.Id, position });
        if (step is null)
        {
            return false;
        }

        var at = force
            ? tx.Now
            : SendingWindow.NextAllowed(enrollment.SendingWindow, Zones(enrollment), tx.Now.AddMinutes(step.DelayMinutes));
        await tx.ExecuteAsync(
            "UPDATE sequence_steps SET status = 'scheduled', scheduled_at = @at, forced = @force WHERE id = @Id",
            new { step.Id, at, force });
        tx.AfterCommit(signal.Notify);
        return true;
    }

    public static IReadOnlyList<TimeZoneInfo> Zones(Enrollment enrollment) =>
        enrollment.TimeZoneIds.Select(id => TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : null)
            .OfType<TimeZoneInfo>().ToList();
}
