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
        new ListQuery(
                "webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id",
                """
                a.seq, a.delivery_id, d.event_id, d.event_type, d.kind, a.attempt, a.attempted_at, a.status_code, a.latency_ms,
                a.result, a.error, a.next_attempt_at, d.status AS delivery_status
                """,
                orderBy: "a.seq DESC")
            .Where("a.webhook_id = @webhookId")
            .Where(eventId is not null, "d.event_id = @eventId")
            .ReadAsync<DeliveryAttempt>(store, new { webhookId, eventId }, page, cancellationToken);
}
