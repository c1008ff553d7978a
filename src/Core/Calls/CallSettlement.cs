using Cualify.Appliance.Core.Credits;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Metrics;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Calls;

/// <summary>How a call ends: its final status, why, and (for answered calls) how long it talked.</summary>
/// <param name="TalkSeconds">Seconds from answer to hang-up; billed up to the effective maximum.</param>
/// <param name="Retryable">The provider says another attempt later may succeed (trunk 5xx, rate limited).</param>
/// <param name="AnsweredAt">When the carrier says the callee answered; replaces the dialer's own answer time.</param>
public sealed record CallFinish(
    string Status,
    string EndReason,
    DateTimeOffset EndedAt,
    double TalkSeconds = 0,
    string? Detail = null,
    string? Outcome = null,
    bool Retryable = false,
    DateTimeOffset? AnsweredAt = null,
    IReadOnlyDictionary<string, object?>? Media = null);

/// <summary>
/// Ends a call in the caller's transaction: moves it to its final status with a conditional update, settles its
/// reservation (billed seconds rounded up to the billing increment × rate, the rest released), records
/// <c>credits_debited_paise</c>, the <c>hangup</c> timeline entry, the <c>call.completed</c> /
/// <c>call.failed</c> event and every registered <see cref="ICallEndedStep"/>, all together.
/// </summary>
public sealed class CallSettlement(
    CreditLedger ledger,
    EventOutbox outbox,
    CallReader reader,
    DialSignal dialSignal,
    ApplianceMetrics metrics,
    IEnumerable<ICallEndedStep> endedSteps)
{
    private readonly Counter _ended = metrics.Counter("cualify_calls_ended_total", "Calls that reached a final status, by status", "status");

    /// <summary>Returns the ended call, or null when it had already ended (nothing changes then).</summary>
    public async Task<Call?> FinishAsync(StoreTransaction tx, Call call, CallFinish finish)
    {
        if (!CallStatus.IsFinal(finish.Status))
        {
            throw new ArgumentException($"{finish.Status} is not a final status", nameof(finish));
        }

        if (tx.Dialect.IsPostgres)
        {
            // The row as it is now, locked until commit: another transaction (the admission, a cancel, another
            // node) may have moved it since the caller read it, and SQLite's one writer is not there to prevent that.
            var current = await tx.QuerySingleOrDefaultAsync<Call>($"SELECT {Call.Columns} FROM calls WHERE id = @Id FOR UPDATE", new { call.Id });
            if (current is null || current.IsFinal || (call.Status == CallStatus.Queued && current.Status != CallStatus.Queued))
            {
                // Ended meanwhile, or the dialer took a call the caller meant to end while it waited.
                return null;
            }

            call = current;
        }

        var answered = call.AnsweredAt is not null;
        var status = answered ? CallStatus.Completed : finish.Status == CallStatus.Completed ? CallStatus.Failed : finish.Status;
        var talk = answered ? Math.Clamp(finish.TalkSeconds, 0, call.MaxDurationSec ?? 0) : 0;
        var pricing = new CallPricing(call.RatePaisePerSec ?? 0, call.BillingIncrementSec ?? 1);
        var durationSec = answered ? (int)Math.Ceiling(talk - 1e-9) : (int?)null;
        var billedSec = answered ? (int)pricing.BilledSeconds(durationSec!.Value) : (int?)null;
        var charge = pricing.Charge(durationSec ?? 0);
        var charged = call.ReservationId is null ? 0 : await ledger.SettleAsync(tx, call.ReservationId, charge);
        var outcome = status == CallStatus.Completed ? finish.Outcome ?? CallOutcomes.Answered : status;
        var sources = CallStatus.SourcesOf(status);
        var moved = await tx.ExecuteAsync("""
            UPDATE calls SET status = @status, end_reason = @EndReason, end_detail = @Detail, outcome = @outcome,
                duration_sec = @durationSec, billed_sec = @billedSec, credits_debited_paise = @charged,
                ended_at = @EndedAt, answered_at = coalesce(@reportedAnswer, answered_at),
                last_seen_at = coalesce(@lastSeen, last_seen_at), updated_at = @Now
            WHERE id = @Id AND status IN @sources
            """, new
        {
            status,
            finish.EndReason,
            finish.Detail,
            outcome,
            durationSec,
            billedSec,
            charged,
            finish.EndedAt,
            reportedAnswer = answered && finish.AnsweredAt <= finish.EndedAt ? finish.AnsweredAt : null,
            lastSeen = answered ? finish.EndedAt : (DateTimeOffset?)null,
            tx.Now,
            call.Id,
            sources,
        });
        if (moved == 0)
        {
            return null;
        }

        if (call.StartedAt is not null)
        {
            await CallTimeline.AppendAsync(tx, call.Id, CallTimelineType.Hangup, finish.EndedAt,
                new { status, end_reason = finish.EndReason, detail = finish.Detail, duration_sec = durationSec, retryable = finish.Retryable, media = finish.Media });
        }

        var ended = await reader.GetAsync(tx, call.Id) ?? throw new InvalidOperationException($"Call {call.Id} vanished while ending");
        await outbox.AppendAsync(tx, call.OrgId, status == CallStatus.Completed ? CallEvents.Completed : CallEvents.Failed, AnalyzedCallView.EventData(ended));
        foreach (var step in endedSteps)
        {
            await step.CallEndedAsync(tx, ended);
        }

        tx.AfterCommit(() =>
        {
            _ended.Inc(status);
            dialSignal.Notify();
        });
        return ended;
    }
}
