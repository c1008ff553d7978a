using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Relay.Metrics;
using Cualify.Appliance.Relay.Webhooks;

namespace Cualify.Appliance.Relay.Delivery;

/// <summary>
/// Writes finished attempts into the store, many per transaction: the attempt row, the delivery's new state
/// (delivered, retrying at its next time, failed, or cancelled because its webhook was deleted), and the
/// endpoint's health — which can turn the endpoint off on a <c>410</c> or after 72 h of failures. Each kind of
/// row is written by one statement run once per row, so a batch costs one prepare per statement, not per row.
/// </summary>
internal sealed class AttemptRecorder(EndpointDisabler disabler, RelayCounters counters)
{
    public static readonly TimeSpan DisableAfter = TimeSpan.FromHours(72);

    private sealed class EndpointState
    {
        public string Id { get; init; } = "";

        public string OrgId { get; init; } = "";

        public string Url { get; init; } = "";

        public bool Active { get; set; }

        public int ConsecutiveFailures { get; set; }

        public DateTimeOffset? FailingSince { get; set; }

        public DateTimeOffset? LastDeliveryAt { get; set; }

        public int? LastStatus { get; set; }

        public bool DisabledNow { get; set; }
    }

    private sealed class Decision(AttemptOutcome outcome, string result, DateTimeOffset? next)
    {
        public AttemptOutcome Outcome { get; } = outcome;

        public string Result { get; set; } = result;

        public DateTimeOffset? Next { get; set; } = next;
    }

    private sealed record Disable(EndpointState Endpoint, string Reason, string Message);

    public async Task RecordAsync(StoreTransaction tx, IReadOnlyList<AttemptOutcome> outcomes)
    {
        var interrupted = outcomes.Where(o => o.End == AttemptEnd.Interrupted).Select(o => new { o.Delivery.Id, tx.Now }).ToList();
        if (interrupted.Count > 0)
        {
            await tx.ExecuteAsync(
                "UPDATE webhook_deliveries SET status = 'pending', claimed_until = NULL, updated_at = @Now WHERE id = @Id AND status = 'sending'", interrupted);
        }

        // Cancelled by a deletion (already 'canceled') or by a disable (still 'sending'): the delivery ends failed.
        var stopped = outcomes.Where(o => o.End is AttemptEnd.Canceled or AttemptEnd.NotSent).Select(o => new { o.Delivery.Id, tx.Now }).ToList();
        if (stopped.Count > 0)
        {
            await tx.ExecuteAsync("""
                UPDATE webhook_deliveries
                SET status = 'failed', next_attempt_at = NULL, claimed_until = NULL, last_error = 'webhook disabled', finished_at = @Now, updated_at = @Now
                WHERE id = @Id AND status = 'sending'
                """, stopped);
        }

        var attempted = outcomes.Where(o => o.End is AttemptEnd.Answered or AttemptEnd.Canceled).ToList();
        if (attempted.Count == 0)
        {
            return;
        }

        var webhookIds = attempted.Select(o => o.Delivery.WebhookId).Distinct().ToArray();
        var endpoints = (await tx.QueryAsync<EndpointState>("""
            SELECT id, org_id, url, CASE WHEN active = 1 AND deleted_at IS NULL THEN 1 ELSE 0 END AS active, consecutive_failures, failing_since, last_delivery_at, last_status
            FROM webhooks WHERE id IN @webhookIds
            """, new { webhookIds })).ToDictionary(e => e.Id, StringComparer.Ordinal);

        var decisions = new List<Decision>(attempted.Count);
        var disables = new List<Disable>();
        foreach (var outcome in attempted)
        {
            var endpoint = endpoints[outcome.Delivery.WebhookId];
            if (outcome.End == AttemptEnd.Canceled)
            {
                decisions.Add(new Decision(outcome, "canceled", null));
                continue;
            }

            decisions.Add(Decide(outcome, endpoint, disables));
        }

        // An endpoint turned off in this batch retries nothing, including attempts decided before it was.
        foreach (var decision in decisions.Where(d => d.Result == "retrying" && endpoints[d.Outcome.Delivery.WebhookId].DisabledNow))
        {
            decision.Result = "failed";
            decision.Next = null;
        }

        WriteDeliveries(tx, decisions);
        await WriteAttemptsAsync(tx, decisions, endpoints.Values);
        foreach (var disable in disables)
        {
            await disabler.DisableAsync(tx, disable.Endpoint.OrgId, disable.Endpoint.Id, disable.Endpoint.Url, disable.Reason, disable.Message,
                disable.Endpoint.ConsecutiveFailures, disable.Endpoint.FailingSince);
        }

        var tally = decisions.Select(d => (d.Result, FailureKind: d.Outcome.Delivered || d.Result == "canceled" ? null : d.Outcome.FailureKind)).ToList();
        tx.AfterCommit(() =>
        {
            foreach (var (result, failureKind) in tally)
            {
                counters.Attempted(result, failureKind);
            }
        });
    }

    private static Decision Decide(AttemptOutcome outcome, EndpointState endpoint, List<Disable> disables)
    {
        endpoint.LastDeliveryAt = outcome.AttemptedAt;
        endpoint.LastStatus = outcome.StatusCode;
        if (outcome.Delivered)
        {
            endpoint.ConsecutiveFailures = 0;
            endpoint.FailingSince = null;
            return new Decision(outcome, "delivered", null);
        }

        endpoint.ConsecutiveFailures++;
        endpoint.FailingSince ??= outcome.AttemptedAt;
        if (endpoint.Active && outcome.StatusCode == 410)
        {
            TurnOff(endpoint, disables, DisabledReason.EndpointGone, "the receiver answered 410 Gone");
        }
        else if (endpoint.Active && outcome.FinishedAt - endpoint.FailingSince.Value >= DisableAfter)
        {
            TurnOff(endpoint, disables, DisabledReason.Failing72Hours, $"every delivery failed since {endpoint.FailingSince.Value:yyyy-MM-dd HH:mm} UTC (72 h)");
        }
        else if (endpoint.Active && DeliveryRetrySchedule.DelayAfter(outcome.Attempt, Random.Shared.NextDouble()) is { } delay)
        {
            if (outcome.RetryAfter is { } asked && asked > delay)
            {
                delay = asked;
            }

            return new Decision(outcome, "retrying", outcome.FinishedAt + delay);
        }

        return new Decision(outcome, "failed", null);
    }

    private static void TurnOff(EndpointState endpoint, List<Disable> disables, string reason, string message)
    {
        endpoint.Active = false;
        endpoint.DisabledNow = true;
        disables.Add(new Disable(endpoint, reason, message));
    }

    /// <summary>
    /// Moves each delivery on from <c>sending</c>. One whose webhook was deleted meanwhile is already
    /// <c>canceled</c> and stays so; its attempt is recorded as cancelled.
    /// </summary>
    private static void WriteDeliveries(StoreTransaction tx, List<Decision> decisions)
    {
        using var update = new SqlBatch(tx, """
            UPDATE webhook_deliveries
            SET status = @Status, attempts = @Attempt, last_status_code = @StatusCode, last_error = @Error, next_attempt_at = @Next,
                claimed_until = NULL, finished_at = @Finished, updated_at = @Now
            WHERE id = @Id AND status = 'sending'
            """, "Status", "Attempt", "StatusCode", "Error", "Next", "Finished", "Now", "Id");
        foreach (var d in decisions.Where(d => d.Result != "canceled"))
        {
            var changed = update.Execute(
                d.Result == "retrying" ? "pending" : d.Result,
                d.Outcome.Attempt,
                d.Outcome.StatusCode,
                d.Outcome.Error,
                d.Next,
                d.Next is null ? d.Outcome.FinishedAt : null,
                tx.Now,
                d.Outcome.Delivery.Id);
            if (changed == 0)
            {
                d.Result = "canceled";
                d.Next = null;
            }
        }
    }

    private static async Task WriteAttemptsAsync(StoreTransaction tx, List<Decision> decisions, IEnumerable<EndpointState> endpoints)
    {
        using (var insert = new SqlBatch(tx, """
            INSERT INTO webhook_attempts (delivery_id, webhook_id, org_id, attempt, attempted_at, status_code, latency_ms, result, error, next_attempt_at)
            VALUES (@DeliveryId, @WebhookId, @OrgId, @Attempt, @AttemptedAt, @StatusCode, @LatencyMs, @Result, @Error, @Next)
            """, "DeliveryId", "WebhookId", "OrgId", "Attempt", "AttemptedAt", "StatusCode", "LatencyMs", "Result", "Error", "Next"))
        {
            foreach (var d in decisions)
            {
                var o = d.Outcome;
                insert.Execute(o.Delivery.Id, o.Delivery.WebhookId, o.Delivery.OrgId, o.Attempt, o.AttemptedAt, o.StatusCode, o.LatencyMs, d.Result, o.Error, d.Next);
            }
        }

        await tx.ExecuteAsync("""
            UPDATE webhooks
            SET last_delivery_at = @LastDeliveryAt, last_status = @LastStatus, consecutive_failures = @ConsecutiveFailures, failing_since = @FailingSince
            WHERE id = @Id
            """, endpoints.Where(e => e.LastDeliveryAt is not null).ToList());
    }
}
