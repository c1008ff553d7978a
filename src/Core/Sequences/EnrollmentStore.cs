using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Json;
using Cualify.Appliance.Core.Mail;
using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Sequences;

/// <summary>
/// Enrollments and their steps: reading them, approving, ending, and moving from one step to the next.
/// Every transition writes its <c>sequence.*</c> event in the same transaction. This store knows nothing of
/// calls, so the call settlement's <see cref="VoiceStepEnded"/> can use it; stopping an enrollment that may have
/// a call waiting in the dial queue goes through <see cref="EnrollmentStop"/>, which also cancels that call.
/// </summary>
public sealed class EnrollmentStore(ApplianceStore store, EventOutbox outbox, MailSignal signal)
{
    public const string Columns = """
        id, org_id, template_id, contact_id, status, language, sending_window, time_zone, stop_on_reply, mailbox,
        idempotency_key, request_fingerprint, stop_reason, approved_at, ended_at, created_at, updated_at
        """;

    public const string StepColumns = """
        id, enrollment_id, position, channel, delay_minutes, subject, body, agent_id, status, scheduled_at, claimed_until,
        attempts, forced, sent_at, message_id, to_address, mailbox, call_id, call_outcome, token, last_error,
        written_model, written_prompt_sha256, fallback_reason, fallback_detail
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

    /// <summary>Makes the enrollment active and schedules its first step: now when forced, else after its delay inside the window.</summary>
    public async Task<Enrollment> ActivateAsync(StoreTransaction tx, Enrollment enrollment, bool forceFirstStep)
    {
        var active = await tx.QuerySingleAsync<Enrollment>($"""
            UPDATE sequence_enrollments SET status = 'active', approved_at = @Now, updated_at = @Now WHERE id = @Id
            RETURNING {Columns}
            """, new { enrollment.Id, tx.Now });
        if (!await ScheduleAsync(tx, active, forceFirstStep))
        {
            // Every step failed to render: nothing is left to send, so the enrollment completes.
            await AdvanceManyAsync(tx, [(active.Id, -1)]);
            return await GetAsync(tx, active.Id);
        }

        return active;
    }

    /// <summary>The step after <paramref name="finishedPosition"/> is scheduled, or the enrollment completes.</summary>
    public Task AdvanceAsync(StoreTransaction tx, Enrollment enrollment, int finishedPosition) =>
        AdvanceManyAsync(tx, [(enrollment.Id, finishedPosition)]);

    private sealed class AdvanceRow
    {
        public string EnrollmentId { get; init; } = "";

        public string Status { get; init; } = "";

        public string? SendingWindow { get; init; }

        public string? TimeZone { get; init; }

        public string? NextId { get; init; }

        public int NextDelay { get; init; }

        public long Open { get; init; }
    }

    /// <summary>
    /// For each finished step of an active enrollment: the next step is scheduled (after its delay, inside the
    /// window), or, when no step is left open, the enrollment completes. Set-based, so a batch of sent mail costs
    /// a few statements, not a few per message.
    /// </summary>
    public async Task AdvanceManyAsync(StoreTransaction tx, IReadOnlyCollection<(string EnrollmentId, int Position)> finished)
    {
        if (finished.Count == 0)
        {
            return;
        }

        var rows = await tx.QueryAsync<AdvanceRow>($"""
            SELECT en.id AS EnrollmentId, en.status AS Status, en.sending_window AS SendingWindow, en.time_zone AS TimeZone,
                   n.id AS NextId, coalesce(n.delay_minutes, 0) AS NextDelay,
                   (SELECT count(*) FROM sequence_steps o WHERE o.enrollment_id = en.id AND o.status IN ('pending', 'scheduled', 'sending')) AS Open
            FROM (SELECT value ->> 'e' AS e, CAST(value ->> 'p' AS BIGINT) AS p FROM {tx.Dialect.JsonObjects("@json")}) AS j
            JOIN sequence_enrollments en ON en.id = j.e
            LEFT JOIN sequence_steps n ON n.enrollment_id = j.e AND n.status = 'pending' AND n.position =
                (SELECT min(p.position) FROM sequence_steps p WHERE p.enrollment_id = j.e AND p.position > j.p AND p.status = 'pending')
            """, new { json = ApplianceJson.Serialize(finished.Select(f => new { e = f.EnrollmentId, p = f.Position })) });
        var schedule = new List<object>();
        var complete = new List<string>();
        foreach (var row in rows.Where(r => r.Status == EnrollmentStatus.Active))
        {
            if (row.NextId is not null)
            {
                var at = SendingWindow.NextAllowed(row.SendingWindow, Zones(row.TimeZone), tx.Now.AddMinutes(row.NextDelay));
                schedule.Add(new { id = row.NextId, at = UtcTimestamp.Format(at) });
            }
            else if (row.Open == 0)
            {
                complete.Add(row.EnrollmentId);
            }
        }

        if (schedule.Count > 0)
        {
            await tx.ExecuteAsync($"""
                UPDATE sequence_steps SET status = 'scheduled', scheduled_at = j.at, forced = 0
                FROM (SELECT value ->> 'id' AS id, value ->> 'at' AS at FROM {tx.Dialect.JsonObjects("@json")}) AS j
                WHERE sequence_steps.id = j.id
                """, new { json = ApplianceJson.Serialize(schedule) });
            tx.AfterCommit(signal.Notify);
        }

        if (complete.Count > 0)
        {
            var completed = await tx.QueryAsync<Enrollment>($"""
                UPDATE sequence_enrollments SET status = 'completed', stop_reason = NULL, ended_at = @Now, updated_at = @Now
                WHERE id IN (SELECT value FROM {tx.Dialect.JsonValues("@json")}) AND status = 'active'
                RETURNING {Columns}
                """, new { json = ApplianceJson.Serialize(complete), tx.Now });
            foreach (var ended in completed)
            {
                await outbox.AppendAsync(tx, ended.OrgId, SequenceEvents.Completed, new
                {
                    enrollment_id = ended.Id, template_id = ended.TemplateId, contact_id = ended.ContactId, status = ended.Status, reason = (string?)null,
                });
            }
        }
    }

    /// <summary>
    /// Ends an open enrollment: completed, or stopped for a reply, opt-out, bounce or cancel, and cancels the steps
    /// not yet started; an email being sent right now, or a voice step's call, finishes and is recorded. Returns
    /// the enrollment as it is when it had already ended. For an enrollment whose voice step may have a call still
    /// queued, use <see cref="EnrollmentStop"/>: nobody is called after they replied or the sequence was stopped.
    /// </summary>
    public async Task<(Enrollment Enrollment, bool Ended)> EndAsync(StoreTransaction tx, Enrollment enrollment, string status, string? reason)
    {
        var ended = await tx.QuerySingleOrDefaultAsync<Enrollment>($"""
            UPDATE sequence_enrollments SET status = @status, stop_reason = @reason, ended_at = @Now, updated_at = @Now
            WHERE id = @Id AND status IN ('pending_review', 'active')
            RETURNING {Columns}
            """, new { enrollment.Id, status, reason, tx.Now });
        if (ended is null)
        {
            return (await GetAsync(tx, enrollment.Id), false);
        }

        await tx.ExecuteAsync(
            "UPDATE sequence_steps SET status = 'canceled', claimed_until = NULL WHERE enrollment_id = @Id AND status IN ('pending', 'scheduled')",
            new { enrollment.Id });
        var data = new { enrollment_id = ended.Id, template_id = ended.TemplateId, contact_id = ended.ContactId, status, reason };
        await outbox.AppendAsync(tx, ended.OrgId, status == EnrollmentStatus.Completed ? SequenceEvents.Completed : SequenceEvents.Stopped, data);
        return (ended, true);
    }

    /// <summary>The open enrollments of a contact.</summary>
    public async Task<IReadOnlyList<Enrollment>> OpenForContactAsync(StoreTransaction tx, string contactId) =>
        (await tx.QueryAsync<Enrollment>(
            $"SELECT {Columns} FROM sequence_enrollments WHERE contact_id = @contactId AND status IN ('pending_review', 'active')", new { contactId })).ToList();

    /// <summary>Schedules the first pending step (one that failed to render is passed over); false when none is left.</summary>
    private async Task<bool> ScheduleAsync(StoreTransaction tx, Enrollment enrollment, bool force)
    {
        var step = await tx.QuerySingleOrDefaultAsync<EnrollmentStep>(
            $"SELECT {StepColumns} FROM sequence_steps WHERE enrollment_id = @Id AND status = 'pending' ORDER BY position LIMIT 1",
            new { enrollment.Id });
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

    public static IReadOnlyList<TimeZoneInfo> Zones(Enrollment enrollment) => Zones(enrollment.TimeZone);

    /// <summary>The zones stored on an enrollment as comma-separated IANA ids.</summary>
    public static IReadOnlyList<TimeZoneInfo> Zones(string? timeZone) =>
        (timeZone ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(id => TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : null)
            .OfType<TimeZoneInfo>().ToList();
}
