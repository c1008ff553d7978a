using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Relay.Metrics;
using Cualify.Appliance.Relay.Webhooks;

namespace Cualify.Appliance.Relay.Delivery;

/// <summary>
/// Writes finished attempts into the store, many per transaction: the attempt row, the delivery's new state
/// (delivered, retrying at its next time, failed, or cancelled because its webhook was deleted), and the
/// endpoint's health — which can turn the endpoint off on a <c>410</c> or after 72 h of failures.
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
    }

    public async Task RecordAsync(StoreTransaction tx, IReadOnlyList<AttemptOutcome> outcomes)
    {
        var endpoints = new Dictionary<string, EndpointState>(StringComparer.Ordinal);
        foreach (var outcome in outcomes)
        {
            if (outcome.End == AttemptEnd.Interrupted)
            {
                await tx.ExecuteAsync(
                    "UPDATE webhook_deliveries SET status = 'pending', claimed_until = NULL, updated_at = @Now WHERE id = @Id AND status = 'sending'",
                    new { outcome.Delivery.Id, tx.Now });
                continue;
            }

            if (!endpoints.TryGetValue(outcome.Delivery.WebhookId, out var endpoint))
            {
                endpoint = await tx.QuerySingleAsync<EndpointState>("""
                    SELECT id, org_id, url, active AND deleted_at IS NULL AS active, consecutive_failures, failing_since, last_delivery_at, last_status
                    FROM webhooks WHERE id = @WebhookId
                    """, new { outcome.Delivery.WebhookId });
                endpoints[endpoint.Id] = endpoint;
            }

            var result = outcome.End == AttemptEnd.Canceled ? new Result("canceled", null) : await ApplyAsync(tx, outcome, endpoint);
            await tx.ExecuteAsync("""
                INSERT INTO webhook_attempts (delivery_id, webhook_id, org_id, attempt, attempted_at, status_code, latency_ms, result, error, next_attempt_at)
                VALUES (@DeliveryId, @WebhookId, @OrgId, @Attempt, @AttemptedAt, @StatusCode, @LatencyMs, @Result, @Error, @NextAttemptAt)
                """, new
            {
                DeliveryId = outcome.Delivery.Id,
                outcome.Delivery.WebhookId,
                outcome.Delivery.OrgId,
                outcome.Attempt,
                outcome.AttemptedAt,
                outcome.StatusCode,
                outcome.LatencyMs,
                Result = result.Name,
                outcome.Error,
                result.NextAttemptAt,
            });
            var failureKind = outcome.Delivered || outcome.End == AttemptEnd.Canceled ? null : outcome.FailureKind;
            tx.AfterCommit(() => counters.Attempted(result.Name, failureKind));
        }

        foreach (var endpoint in endpoints.Values)
        {
            await tx.ExecuteAsync("""
                UPDATE webhooks
                SET last_delivery_at = @LastDeliveryAt, last_status = @LastStatus, consecutive_failures = @ConsecutiveFailures, failing_since = @FailingSince
                WHERE id = @Id
                """, endpoint);
        }
    }

    private readonly record struct Result(string Name, DateTimeOffset? NextAttemptAt);

    private async Task<Result> ApplyAsync(StoreTransaction tx, AttemptOutcome outcome, EndpointState endpoint)
    {
        endpoint.LastDeliveryAt = outcome.AttemptedAt;
        endpoint.LastStatus = outcome.StatusCode;
        if (outcome.Delivered)
        {
            endpoint.ConsecutiveFailures = 0;
            endpoint.FailingSince = null;
            var updated = await tx.ExecuteAsync("""
                UPDATE webhook_deliveries
                SET status = 'delivered', attempts = @Attempt, last_status_code = @StatusCode, last_error = NULL, next_attempt_at = NULL,
                    claimed_until = NULL, finished_at = @FinishedAt, updated_at = @Now
                WHERE id = @Id AND status = 'sending'
                """, new { outcome.Delivery.Id, outcome.Attempt, outcome.StatusCode, outcome.FinishedAt, tx.Now });
            return new Result(updated == 1 ? "delivered" : "canceled", null);
        }

        endpoint.ConsecutiveFailures++;
        endpoint.FailingSince ??= outcome.AttemptedAt;
        DateTimeOffset? next = null;
        if (outcome.StatusCode == 410 && endpoint.Active)
        {
            endpoint.Active = false;
            await disabler.DisableAsync(tx, endpoint.OrgId, endpoint.Id, endpoint.Url, DisabledReason.EndpointGone,
                "the receiver answered 410 Gone", endpoint.ConsecutiveFailures, endpoint.FailingSince);
        }
        else if (endpoint.Active && outcome.FinishedAt - endpoint.FailingSince.Value >= DisableAfter)
        {
            endpoint.Active = false;
            await disabler.DisableAsync(tx, endpoint.OrgId, endpoint.Id, endpoint.Url, DisabledReason.Failing72Hours,
                $"every delivery failed since {endpoint.FailingSince.Value:yyyy-MM-dd HH:mm} UTC (72 h)", endpoint.ConsecutiveFailures, endpoint.FailingSince);
        }
        else if (endpoint.Active && RetrySchedule.DelayAfter(outcome.Attempt, Random.Shared.NextDouble()) is { } delay)
        {
            if (outcome.RetryAfter is { } asked && asked > delay)
            {
                delay = asked;
            }

            next = outcome.FinishedAt + delay;
        }

        var changed = await tx.ExecuteAsync("""
            UPDATE webhook_deliveries
            SET status = @Status, attempts = @Attempt, last_status_code = @StatusCode, last_error = @Error, next_attempt_at = @next,
                claimed_until = NULL, finished_at = @Finished, updated_at = @Now
            WHERE id = @Id AND status = 'sending'
            """, new
        {
            outcome.Delivery.Id,
            Status = next is null ? "failed" : "pending",
            outcome.Attempt,
            outcome.StatusCode,
            outcome.Error,
            next,
            Finished = next is null ? outcome.FinishedAt : (DateTimeOffset?)null,
            tx.Now,
        });
        return changed == 0 ? new Result("canceled", null) : new Result(next is null ? "failed" : "retrying", next);
    }
}
