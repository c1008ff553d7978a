using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Events;

/// <summary>Where a reader of the outbox has got to: the last event it took, in <see cref="OutboxOrder"/>.</summary>
public readonly record struct OutboxPosition(long Tx, long Seq);

/// <summary>
/// The order in which readers (fan-out, connectors, event streams) take the outbox, so that none passes over an
/// event for good. SQLite has one writer, so <c>seq</c> is commit order. On PostgreSQL a transaction can take a lower
/// <c>seq</c> and commit after one with a higher: readers there go by (<c>tx</c>, <c>seq</c>), where <c>tx</c> is the
/// writing transaction's id, and take only rows of transactions older than the oldest still running
/// (<c>pg_snapshot_xmin</c> of the statement's own snapshot). Every such transaction has ended, and any that commits
/// later has a <c>tx</c> at or above that horizon, so it sorts after everything already read. A long-running write
/// anywhere on the server holds readers back until it ends; it cannot make them skip.
/// </summary>
public static class OutboxOrder
{
    /// <summary>
    /// The condition for rows after <c>@afterTx</c>, <c>@afterSeq</c> that no running transaction can come before;
    /// <paramref name="alias"/> qualifies the columns when the query joins.
    /// </summary>
    public static string After(StoreDialect dialect, string alias = "") => dialect.IsPostgres
        ? $"({alias}tx, {alias}seq) > (@afterTx, @afterSeq) AND {alias}tx < {Horizon}"
        : $"{alias}seq > @afterSeq";

    /// <summary>The condition for events the cursor named by <paramref name="nameSql"/> (a parameter or literal) has not yet passed.</summary>
    public static string PastCursor(StoreDialect dialect, string nameSql) => dialect.IsPostgres
        ? $"(tx, seq) > (SELECT tx, seq FROM relay_cursors WHERE name = {nameSql})"
        : $"seq > (SELECT seq FROM relay_cursors WHERE name = {nameSql})";

    public static string OrderBy(StoreDialect dialect, string alias = "") => dialect.IsPostgres ? $"{alias}tx, {alias}seq" : $"{alias}seq";

    /// <summary>How soon a reader looks again when <see cref="HeldBackAsync"/> found committed events waiting on an older running transaction.</summary>
    public static readonly TimeSpan HeldBackRecheck = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Waits for <paramref name="next"/> or <see cref="HeldBackRecheck"/> of wall-clock time. Another transaction
    /// ending is not on the appliance's schedule, so this wait never runs on an injected clock: a stopped one (a
    /// test's fake clock) would hold the reader back until something else woke it.
    /// </summary>
    public static Task WaitWhileHeldBackAsync(Task next, CancellationToken cancellationToken) =>
        WorkSignal.WaitAsync(next, HeldBackRecheck, TimeProvider.System, cancellationToken);

    /// <summary>
    /// Whether committed events after <paramref name="after"/> are held back by an older transaction still running.
    /// That transaction need not write an event, so nothing may wake the reader when it ends: the reader looks again
    /// after <see cref="HeldBackRecheck"/> instead of its poll interval. Always false on SQLite.
    /// </summary>
    public static async Task<bool> HeldBackAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction, StoreDialect dialect,
        OutboxPosition after, string? orgId, CancellationToken cancellationToken)
    {
        if (!dialect.IsPostgres)
        {
            return false;
        }

        // The newest transaction past the position, against the horizon: an index's last entry whatever the planner
        // believes of a growing table. "EXISTS (… AND tx >= horizon)" was planned as a scan of the whole table from
        // its oldest row when the statistics were stale, and the rows it looks for are the newest.
        var org = orgId is null ? "" : "org_id = @orgId AND ";
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            $"SELECT coalesce((SELECT max(tx) FROM events WHERE {org}(tx, seq) > (@afterTx, @afterSeq)), -1) >= {Horizon}",
            Parameters(after, new { orgId }), transaction, cancellationToken: cancellationToken));
    }

    /// <summary>The oldest transaction still running, in the snapshot of the statement it appears in.</summary>
    internal const string Horizon = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint";

    /// <summary>Reads the position of the cursor <paramref name="name"/>, locking its row until the write commits, so one node at a time moves it.</summary>
    public static async Task<OutboxPosition> ReadCursorAsync(StoreTransaction tx, string name)
    {
        var (at, seq) = await tx.QuerySingleAsync<(long Tx, long Seq)>($"SELECT tx, seq FROM relay_cursors WHERE name = @name{tx.Dialect.ForUpdate}", new { name });
        return new OutboxPosition(at, seq);
    }

    /// <summary>
    /// Moves the cursor <paramref name="name"/> past every event readable now, for a reader with nobody to hand the
    /// events to (no endpoint, no connector): the events are counted and the last one's position read, none is loaded.
    /// A large import would otherwise have the reader load and commit its events batch by batch for nothing.
    /// </summary>
    public static async Task<OutboxTake> PassAllAsync(StoreTransaction tx, string name, OutboxPosition cursor)
    {
        var sql = tx.Dialect;
        var order = sql.IsPostgres ? "tx DESC, seq DESC" : "seq DESC";
        var parameters = Parameters(cursor);
        var count = await tx.ExecuteScalarAsync<long>($"SELECT count(*) FROM events WHERE {After(sql)}", parameters);
        if (count == 0)
        {
            return new OutboxTake(0, await HeldBackAsync(tx.Connection, tx.Transaction, sql, cursor, null, tx.CancellationToken));
        }

        var (lastTx, lastSeq) = await tx.QuerySingleAsync<(long Tx, long Seq)>($"SELECT tx, seq FROM events WHERE {After(sql)} ORDER BY {order} LIMIT 1", parameters);
        var last = new OutboxPosition(lastTx, lastSeq);
        await MoveCursorAsync(tx, name, last);
        return new OutboxTake((int)Math.Min(count, int.MaxValue), await HeldBackAsync(tx.Connection, tx.Transaction, sql, last, null, tx.CancellationToken));
    }

    public static Task MoveCursorAsync(StoreTransaction tx, string name, OutboxPosition to) =>
        tx.ExecuteAsync("UPDATE relay_cursors SET tx = @Tx, seq = @Seq WHERE name = @name", new { to.Tx, to.Seq, name });

    /// <summary>The parameters <see cref="After"/> names, beside the query's own <paramref name="more"/>.</summary>
    public static Dapper.DynamicParameters Parameters(OutboxPosition after, object? more = null)
    {
        var parameters = new DynamicParameters(more);
        parameters.Add("afterTx", after.Tx);
        parameters.Add("afterSeq", after.Seq);
        return parameters;
    }
}

/// <summary>What a fan-out took from the outbox: how many events, and whether committed ones wait behind a running transaction.</summary>
public readonly record struct OutboxTake(int Count, bool HeldBack)
{
    /// <summary>Nothing taken, nothing waiting.</summary>
    public static OutboxTake None => default;
}
