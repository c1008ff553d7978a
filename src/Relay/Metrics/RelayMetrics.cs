using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Metrics;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Relay.Delivery;
using Dapper;

namespace Cualify.Appliance.Relay.Metrics;

/// <summary>Outbox lag and the delivery backlog, read from the store at scrape time.</summary>
public sealed class RelayMetrics(ApplianceStore store, TimeProvider time) : IMetricsSource
{
    private sealed class Lag
    {
        public long Events { get; init; }

        public DateTimeOffset? Oldest { get; init; }
    }

    public async Task CollectAsync(ApplianceMetrics metrics, CancellationToken cancellationToken)
    {
        var (lag, backlog, oldestDue) = await store.ReadAsync(async connection =>
        {
            var lag = await connection.QuerySingleAsync<Lag>(new CommandDefinition($"""
                SELECT count(*) AS events, min(created_at) AS oldest FROM events
                WHERE {OutboxOrder.PastCursor(store.Dialect, "@name")}
                """, new { name = FanOut.CursorName }, cancellationToken: cancellationToken));
            var backlog = (await connection.QueryAsync<(string Status, long Count)>(new CommandDefinition(
                "SELECT status, count(*) FROM webhook_deliveries WHERE status IN ('pending', 'sending') GROUP BY status",
                cancellationToken: cancellationToken))).ToList();
            var oldestDue = await connection.ExecuteScalarAsync<DateTimeOffset?>(new CommandDefinition(
                "SELECT min(next_attempt_at) FROM webhook_deliveries WHERE status IN ('pending', 'sending') AND status = 'pending'", cancellationToken: cancellationToken));
            return (lag, backlog, oldestDue);
        }, cancellationToken);

        var now = time.GetUtcNow();
        metrics.ScrapeGauge("cualify_relay_outbox_lag_events", "Outbox events not yet fanned out to webhooks").Set(lag.Events);
        metrics.ScrapeGauge("cualify_relay_outbox_lag_seconds", "Age of the oldest outbox event not yet fanned out (0 when none)")
            .Set(lag.Oldest is { } oldest ? Math.Max(0, (now - oldest).TotalSeconds) : 0);
        var deliveries = metrics.ScrapeGauge("cualify_relay_deliveries", "Webhook deliveries waiting (pending) or in flight (sending)", "status");
        deliveries.Set(0, "pending");
        deliveries.Set(0, "sending");
        foreach (var (status, count) in backlog)
        {
            deliveries.Set(count, status);
        }

        metrics.ScrapeGauge("cualify_relay_overdue_seconds", "How far past its time the most overdue pending delivery is (0 when none)")
            .Set(oldestDue is { } due && due < now ? (now - due).TotalSeconds : 0);
    }
}
