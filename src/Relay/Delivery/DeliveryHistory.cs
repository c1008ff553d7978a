using Cualify.Appliance.Core.Paging;
using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Relay.Delivery;

/// <summary>One attempt as the history shows it, with the state its delivery is in now.</summary>
public sealed class DeliveryAttempt
{
    public long Seq { get; init; }

    public string DeliveryId { get; init; } = "";

    public string EventId { get; init; } = "";

    public string EventType { get; init; } = "";

    public string Kind { get; init; } = "";

    public int Attempt { get; init; }

    public DateTimeOffset AttemptedAt { get; init; }

    public int? StatusCode { get; init; }

    public long LatencyMs { get; init; }

    public string Result { get; init; } = "";

    public string? Error { get; init; }

    public DateTimeOffset? NextAttemptAt { get; init; }

    public string DeliveryStatus { get; init; } = "";
}

/// <summary>The attempt history of an endpoint, newest first.</summary>
public sealed class DeliveryHistory(ApplianceStore store)
{
    public Task<Page<DeliveryAttempt>> ListAsync(string webhookId, string? eventId, PageRequest page, CancellationToken cancellationToken = default) =>
        store.ReadAsync(async connection =>
        {
            var filter = eventId is null ? "" : "AND d.event_id = @eventId";
            var args = new { webhookId, eventId, page.Limit, page.Offset };
            var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition($"""
                SELECT count(*) FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
                WHERE a.webhook_id = @webhookId {filter}
                """, args, cancellationToken: cancellationToken));
            var rows = await connection.QueryAsync<DeliveryAttempt>(new CommandDefinition($"""
                SELECT a.seq, a.delivery_id, d.event_id, d.event_type, d.kind, a.attempt, a.attempted_at, a.status_code, a.latency_ms,
                       a.result, a.error, a.next_attempt_at, d.status AS delivery_status
                FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
                WHERE a.webhook_id = @webhookId {filter}
                ORDER BY a.seq DESC
                LIMIT @Limit OFFSET @Offset
                """, args, cancellationToken: cancellationToken));
            return new Page<DeliveryAttempt>(rows.ToList(), page, total);
        }, cancellationToken);
}
