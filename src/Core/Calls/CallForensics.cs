using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Calls;

/// <summary>A webhook delivery of one of a call's events, with its latest outcome.</summary>
public sealed class CallDelivery
{
    public string Id { get; init; } = "";

    public string EventType { get; init; } = "";

    public string Url { get; init; } = "";

    public string Status { get; init; } = "";

    public int Attempts { get; init; }

    public int? LastStatusCode { get; init; }

    public string? LastError { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A CRM write of a call by one of the org's connectors.</summary>
public sealed class CallCrmSync
{
    public string ConnectorKind { get; init; } = "";

    public string ConnectorName { get; init; } = "";

    public string Status { get; init; } = "";

    public int Attempts { get; init; }

    public string? CrmObjectId { get; init; }

    public string? LastError { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>What happened around a call outside the call itself: its webhook deliveries and CRM syncs, scoped to its org.</summary>
public sealed class CallForensics(ApplianceStore store)
{
    public const int MaxRows = 200;

    /// <summary>Deliveries of the org's events that name the call, from the call's creation on.</summary>
    public Task<IReadOnlyList<CallDelivery>> DeliveriesAsync(Call call, CancellationToken cancellationToken = default) =>
        store.ReadAsync(async connection => (IReadOnlyList<CallDelivery>)(await connection.QueryAsync<CallDelivery>(new CommandDefinition("""
            SELECT d.id, d.event_type, w.url, d.status, d.attempts, d.last_status_code, d.last_error, d.created_at
            FROM events e
            JOIN webhook_deliveries d ON d.event_seq = e.seq AND d.org_id = e.org_id
            JOIN webhooks w ON w.id = d.webhook_id
            WHERE e.org_id = @OrgId AND e.created_at >= @CreatedAt AND e.data LIKE '%' || @Id || '%'
            ORDER BY d.created_at DESC, d.id DESC
            LIMIT @MaxRows
            """, new { call.OrgId, call.CreatedAt, call.Id, MaxRows }, cancellationToken: cancellationToken))).ToList(), cancellationToken);

    public Task<IReadOnlyList<CallCrmSync>> CrmSyncsAsync(Call call, CancellationToken cancellationToken = default) =>
        store.ReadAsync(async connection => (IReadOnlyList<CallCrmSync>)(await connection.QueryAsync<CallCrmSync>(new CommandDefinition("""
            SELECT c.kind AS connector_kind, c.name AS connector_name, s.status, s.attempts, s.crm_object_id, s.last_error, s.updated_at
            FROM connector_syncs s JOIN connectors c ON c.id = s.connector_id
            WHERE s.org_id = @OrgId AND s.object = 'call' AND s.object_id = @Id
            ORDER BY s.updated_at DESC
            LIMIT @MaxRows
            """, new { call.OrgId, call.Id, MaxRows }, cancellationToken: cancellationToken))).ToList(), cancellationToken);
}
