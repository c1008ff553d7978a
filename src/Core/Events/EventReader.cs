using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Events;

/// <summary>Reads an org's events in outbox order, for streams that resume from a known event.</summary>
public sealed class EventReader(ApplianceStore store)
{
    public Task<long?> SeqOfAsync(string orgId, string eventId, CancellationToken cancellationToken) =>
        store.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<long?>(
            new CommandDefinition("SELECT seq FROM events WHERE org_id = @orgId AND id = @eventId", new { orgId, eventId }, cancellationToken: cancellationToken)), cancellationToken);

    public Task<long> LatestSeqAsync(string orgId, CancellationToken cancellationToken) =>
        store.ReadAsync(connection => connection.ExecuteScalarAsync<long>(
            new CommandDefinition("SELECT coalesce(max(seq), 0) FROM events WHERE org_id = @orgId", new { orgId }, cancellationToken: cancellationToken)), cancellationToken);

    public async Task<IReadOnlyList<StoredEvent>> AfterAsync(string orgId, long afterSeq, IReadOnlyCollection<string>? types, int limit, CancellationToken cancellationToken)
    {
        var typeFilter = types is { Count: > 0 } ? "AND type IN @types" : "";
        var rows = await store.ReadAsync(connection => connection.QueryAsync<StoredEvent>(new CommandDefinition($"""
            SELECT seq, id, org_id, type, data, created_at
            FROM events
            WHERE org_id = @orgId AND seq > @afterSeq {typeFilter}
            ORDER BY seq
            LIMIT @limit
            """, new { orgId, afterSeq, types, limit }, cancellationToken: cancellationToken)), cancellationToken);
        return rows.ToList();
    }
}
