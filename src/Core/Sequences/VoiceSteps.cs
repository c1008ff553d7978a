using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Sequences;

/// <summary>
/// A sequence's voice steps. A due step queues its call through <see cref="CallPlacement"/> in the same store
/// transaction that moves the step to <c>sending</c> and records the call's id, so a crash neither loses the call
/// nor places it twice. The call carries <c>metadata.sequence</c> (enrollment, template, step) and the step's
/// playbook as <c>agent_id</c>; the dialer then takes it like any other call. When the call ends,
/// <see cref="VoiceStepEnded"/> records the outcome and moves the sequence on.
/// <para>
/// A refused placement never dials: an opted-out number stops the enrollment (<c>stopped_opt_out</c>, as an
/// email opt-out does); no recorded consent or no phone number skips the step; a deleted playbook fails it; an
/// org without an active plan or without the credits for the minimum reservation is something an operator fixes,
/// so the step waits and tries again hourly, up to <see cref="MaxWaitAttempts"/> times, then fails. A skipped or
/// failed step lets the enrollment move on to its next step.
/// </para>
/// </summary>
public sealed class VoiceSteps(ApplianceStore store, CallPlacement placement, EnrollmentStore enrollments)
{
    public const int MaxWaitAttempts = 24;
    public static readonly TimeSpan WaitRetry = TimeSpan.FromHours(1);
    private const int BatchSize = 64;

    private const string DueColumns = """
        s.id AS StepId, s.enrollment_id AS EnrollmentId, s.position AS Position, s.agent_id AS AgentId, s.attempts AS Attempts,
        s.forced AS Forced, e.org_id AS OrgId, e.template_id AS TemplateId, e.contact_id AS ContactId,
        e.sending_window AS SendingWindow, e.time_zone AS TimeZone
        """;

    private sealed class Due
    {
        public string StepId { get; init; } = "";

        public string EnrollmentId { get; init; } = "";

        public int Position { get; init; }

        public string? AgentId { get; init; }

        public int Attempts { get; init; }

        public bool Forced { get; init; }

        public string OrgId { get; init; } = "";

        public string TemplateId { get; init; } = "";

        public string ContactId { get; init; } = "";

        public string? SendingWindow { get; init; }

        public string? TimeZone { get; init; }
    }

    /// <summary>
    /// Places the calls of every due voice step, a batch per transaction; returns when the next one falls due.
    /// </summary>
    public async Task<DateTimeOffset?> PlaceDueAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var (placed, next) = await store.WriteAsync(async tx =>
            {
                var due = (await tx.QueryAsync<Due>($"""
                    SELECT {DueColumns} FROM sequence_steps s
                    JOIN sequence_enrollments e ON e.id = s.enrollment_id AND e.status = 'active'
                    WHERE s.status = 'scheduled' AND s.channel = 'voice' AND s.scheduled_at <= @Now
                    ORDER BY s.scheduled_at LIMIT {BatchSize}{tx.Dialect.SkipLocked("s")}
                    """, new { tx.Now })).ToList();
                foreach (var step in due)
                {
                    await PlaceAsync(tx, step);
                }

                var next = await tx.QuerySingleOrDefaultAsync<string?>("""
                    SELECT min(s.scheduled_at) FROM sequence_steps s JOIN sequence_enrollments e ON e.id = s.enrollment_id AND e.status = 'active'
                    WHERE s.status = 'scheduled' AND s.channel = 'voice'
                    """);
                return (due.Count, next is null ? (DateTimeOffset?)null : UtcTimestamp.Parse(next));
            }, cancellationToken);
            if (placed < BatchSize)
            {
                return next;
            }
        }
    }

    /// <summary>
    /// The <c>auto_approve</c> fast path: when the enrollment's first step to run is a voice step scheduled for now, its
    /// call is queued in the caller's transaction (the dialer is woken when it commits).
    /// </summary>
    public async Task PlaceFirstAsync(StoreTransaction tx, Enrollment enrollment)
    {
        var first = await tx.QuerySingleOrDefaultAsync<Due>($"""
            SELECT {DueColumns} FROM sequence_steps s JOIN sequence_enrollments e ON e.id = s.enrollment_id AND e.status = 'active'
            WHERE s.enrollment_id = @Id AND s.status = 'scheduled' AND s.channel = 'voice' AND s.scheduled_at <= @Now{tx.Dialect.SkipLocked("s")}
            """, new { enrollment.Id, tx.Now });
        if (first is not null)
        {
            await PlaceAsync(tx, first);
        }
    }

    private async Task PlaceAsync(StoreTransaction tx, Due step)
    {
        if (!step.Forced)
        {
            var opens = SendingWindow.NextAllowed(step.SendingWindow, EnrollmentStore.Zones(step.TimeZone), tx.Now);
            if (opens > tx.Now)
            {
                await tx.ExecuteAsync("UPDATE sequence_steps SET scheduled_at = @opens WHERE id = @StepId", new { opens, step.StepId });
                return;
            }
        }

        Call call;
        try
        {
            call = await placement.QueueAsync(tx, step.OrgId, new CallRequest(step.AgentId, null, ContactId: step.ContactId, Metadata: new JsonObject
            {
                ["sequence"] = new JsonObject
                {
                    ["enrollment_id"] = step.EnrollmentId,
                    ["template_id"] = step.TemplateId,
                    ["step"] = step.Position,
                },
            }));
        }
        catch (ApplianceException refusal)
        {
            await RefusedAsync(tx, step, refusal);
            return;
        }

        // The step shows when the call is due to be dialed: now, or the next moment inside calling hours.
        var taken = await tx.ExecuteAsync("""
            UPDATE sequence_steps SET status = 'sending', call_id = @CallId, attempts = attempts + 1, scheduled_at = @ScheduledFor,
                claimed_until = NULL, last_error = NULL
            WHERE id = @StepId AND status = 'scheduled'
            """, new { CallId = call.Id, call.ScheduledFor, step.StepId });
        if (taken == 0)
        {
            // Another worker placed this step's call first: roll back ours, call and all.
            throw new InvalidOperationException($"Step {step.StepId} was placed by another worker");
        }
    }

    private async Task RefusedAsync(StoreTransaction tx, Due step, ApplianceException refusal)
    {
        var reason = refusal.Reason;
        var error = $"{reason}: {refusal.Message}";
        switch (refusal.Kind, reason)
        {
            case (ErrorKind.Forbidden, CallEndReasons.OptedOut):
                // The refused call was never queued, so there is no call of this enrollment to cancel.
                await SetAsync(tx, step.StepId, StepStatus.Canceled, error);
                await enrollments.EndAsync(tx, await enrollments.GetAsync(tx, step.EnrollmentId), EnrollmentStatus.StoppedOptOut,
                    "the contact opted out of calls");
                return;
            case (ErrorKind.Forbidden, CallEndReasons.NoActivePlan):
            case (ErrorKind.InsufficientCredits, _):
                if (step.Attempts + 1 < MaxWaitAttempts)
                {
                    await tx.ExecuteAsync("""
                        UPDATE sequence_steps SET scheduled_at = @at, attempts = attempts + 1, forced = 0, last_error = @error WHERE id = @StepId
                        """, new { at = tx.Now + WaitRetry, error, step.StepId });
                    return;
                }

                await SetAsync(tx, step.StepId, StepStatus.Failed, $"{error} (gave up after {MaxWaitAttempts} tries)");
                break;
            case (ErrorKind.Forbidden, CallEndReasons.NoConsent):
            case (ErrorKind.Validation, _):
                await SetAsync(tx, step.StepId, StepStatus.Skipped, error);
                break;
            default:
                await SetAsync(tx, step.StepId, StepStatus.Failed, error);
                break;
        }

        await enrollments.AdvanceManyAsync(tx, [(step.EnrollmentId, step.Position)]);
    }

    private static Task SetAsync(StoreTransaction tx, string stepId, string status, string error) =>
        tx.ExecuteAsync("UPDATE sequence_steps SET status = @status, claimed_until = NULL, last_error = @error WHERE id = @stepId",
            new { stepId, status, error });
}
