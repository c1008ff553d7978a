using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Paging;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Relay.Connectors;

/// <summary>One CRM write as listed: <c>sending</c> shows as <c>pending</c> (the contract's three states).</summary>
public sealed class ConnectorSync
{
    public const string Columns = "id, connector_id, object, object_id, crm_object_id, status, attempts, last_error, next_attempt_at, created_at, updated_at";

    public string Id { get; init; } = "";

    public string ConnectorId { get; init; } = "";

    public string Object { get; init; } = "";

    public string ObjectId { get; init; } = "";

    public string? CrmObjectId { get; init; }

    public string Status { get; init; } = "";

    public int Attempts { get; init; }

    public string? LastError { get; init; }

    public DateTimeOffset? NextAttemptAt { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>A connector's sync history and the retry of a failed sync.</summary>
public sealed class ConnectorSyncs(ApplianceStore store, ConnectorSignal signal)
{
    public Task<Page<ConnectorSync>> ListAsync(string connectorId, PageRequest page, CancellationToken cancellationToken = default) =>
        new ListQuery("connector_syncs", ConnectorSync.Columns).Where("connector_id = @connectorId").ReadAsync<ConnectorSync>(store, new { connectorId }, page, cancellationToken);

    /// <summary>Backlog per connector: syncs not yet written.</summary>
    public Task<long> BacklogAsync(string connectorId, CancellationToken cancellationToken = default) =>
        store.ReadAsync(connection => Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, new Dapper.CommandDefinition(
            "SELECT count(*) FROM connector_syncs WHERE connector_id = @connectorId AND status IN ('pending', 'sending')", new { connectorId }, cancellationToken: cancellationToken)), cancellationToken);

    /// <summary>
    /// Sends a failed sync again now. Its attempts are kept, so a record an earlier attempt may have created is
    /// looked up before another is made.
    /// </summary>
    public async Task<ConnectorSync> RetryAsync(string connectorId, string syncId, CancellationToken cancellationToken = default)
    {
        var sync = await store.WriteAsync(async tx =>
        {
            var current = await tx.QuerySingleOrDefaultAsync<ConnectorSync>(
                $"SELECT {ConnectorSync.Columns} FROM connector_syncs WHERE connector_id = @connectorId AND id = @syncId", new { connectorId, syncId })
                ?? throw ApplianceException.NotFound("Sync", "sync_id");
            if (current.Status != "failed")
            {
                throw ApplianceException.Conflict($"Sync {syncId} is {(current.Status == "sending" ? "pending" : current.Status)}; only a failed sync can be retried");
            }

            return await tx.QuerySingleAsync<ConnectorSync>($"""
                UPDATE connector_syncs SET status = 'pending', next_attempt_at = @Now, updated_at = @Now WHERE id = @syncId
                RETURNING {ConnectorSync.Columns}
                """, new { syncId, tx.Now });
        }, cancellationToken);
        signal.Notify();
        return sync;
    }
}
