using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Events;

/// <summary>Reads an org's events, for streams that follow the outbox and resume from a known event.</summary>
public sealed class EventReader(ApplianceStore store)
{
    private const string Columns = "tx, seq, id, org_id, type, data, created_at";

    public async Task<OutboxPosition?> PositionOfAsync(string orgId, string eventId, CancellationToken cancellationToken)
    {
        var rows = await store.ReadAsync(connection => connection.QueryAsync<(long Tx, long Seq)>(
            new CommandDefinition("SELECT tx, seq FROM events WHERE org_id = @orgId AND id = @eventId", new { orgId, eventId }, cancellationToken: cancellationToken)), cancellationToken);
        return rows.Select(r => (OutboxPosition?)new OutboxPosition(r.Tx, r.Seq)).FirstOrDefault();
    }

    /// <summary>
    /// Where a stream that wants only the events from now on starts: after every event of the org that has committed.
    /// On PostgreSQL that is the horizon of running transactions, less the events above it that have already
    /// committed (<see cref="OutboxStart.Seen"/>, for the stream to pass over); a transaction still running when the
    /// stream starts is news to it when it commits.
    /// </summary>
    public async Task<OutboxStart> StartAsync(string orgId, CancellationToken cancellationToken)
    {
        if (!store.IsPostgres)
        {
            var latest = await store.ReadAsync(connection => connection.ExecuteScalarAsync<long>(
                new CommandDefinition("SELECT coalesce(max(seq), 0) FROM events WHERE org_id = @orgId", new { orgId }, cancellationToken: cancellationToken)), cancellationToken);
            return new OutboxStart(new OutboxPosition(0, latest), new HashSet<string>(StringComparer.Ordinal));
        }

        // One statement, so the horizon and the rows above it come from the same snapshot.
        var rows = (await store.ReadAsync(connection => connection.QueryAsync<(long Horizon, string? Id)>(new CommandDefinition($"""
            SELECT h.horizon, e.id
            FROM (SELECT {OutboxOrder.Horizon} AS horizon) h
            LEFT JOIN events e ON e.org_id = @orgId AND e.tx >= h.horizon
            """, new { orgId }, cancellationToken: cancellationToken)), cancellationToken)).ToList();
        var seen = rows.Where(r => r.Id is not null).Select(r => r.Id!).ToHashSet(StringComparer.Ordinal);
        return new OutboxStart(new OutboxPosition(rows[0].Horizon - 1, long.MaxValue), seen);
    }

    /// <summary>The org's next events after <paramref name="after"/> in <see cref="OutboxOrder"/>: a stream that follows these misses none.</summary>
    public async Task<IReadOnlyList<StoredEvent>> FollowAsync(string orgId, OutboxPosition after, IReadOnlyCollection<string>? types, int limit, CancellationToken cancellationToken)
    {
        var typeFilter = types is { Count: > 0 } ? "AND type IN @types" : "";
        var rows = await store.ReadAsync(connection => connection.QueryAsync<StoredEvent>(new CommandDefinition($"""
            SELECT {Columns}
            FROM events
            WHERE org_id = @orgId AND {OutboxOrder.After(store.Dialect)} {typeFilter}
            ORDER BY {OutboxOrder.OrderBy(store.Dialect)}
            LIMIT @limit
            """, OutboxOrder.Parameters(after, new { orgId, types, limit }), cancellationToken: cancellationToken)), cancellationToken);
        return rows.ToList();
    }

    /// <summary>Whether the org has committed events after <paramref name="after"/> that wait behind an older running transaction (see <see cref="OutboxOrder.HeldBackAsync"/>).</summary>
    public Task<bool> HeldBackAsync(string orgId, OutboxPosition after, CancellationToken cancellationToken) =>
        store.IsPostgres
            ? store.ReadAsync(connection => OutboxOrder.HeldBackAsync(connection, null, store.Dialect, after, orgId, cancellationToken), cancellationToken)
            : Task.FromResult(false);

    /// <summary>
    /// The org's committed events after <paramref name="afterSeq"/> in <c>seq</c> order: what has happened so far,
    /// for a look at the record. To follow the outbox as it grows, use <see cref="FollowAsync"/>.
    /// </summary>
    public async Task<IReadOnlyList<StoredEvent>> AfterAsync(string orgId, long afterSeq, IReadOnlyCollection<string>? types, int limit, CancellationToken cancellationToken)
    {
        var typeFilter = types is { Count: > 0 } ? "AND type IN @types" : "";
        var rows = await store.ReadAsync(connection => connection.QueryAsync<StoredEvent>(new CommandDefinition($"""
            SELECT {Columns}
            FROM events
            WHERE org_id = @orgId AND seq > @afterSeq {typeFilter}
            ORDER BY seq
            LIMIT @limit
            """, new { orgId, afterSeq, types, limit }, cancellationToken: cancellationToken)), cancellationToken);
        return rows.ToList();
    }
}

/// <summary>Where a stream starts, and the events past that point it has no need to send (they committed before it began).</summary>
public sealed record OutboxStart(OutboxPosition After, IReadOnlySet<string> Seen);
