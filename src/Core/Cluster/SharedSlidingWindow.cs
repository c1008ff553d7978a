using System.Globalization;
using System.Text;
using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Cluster;

/// <summary>A node's ask of one window: a block of its allowance, and what is left of its previous block to hand back.</summary>
public readonly record struct BlockRequest(string Name, int Limit, long ReturnSecond = 0, int ReturnUnits = 0);

/// <summary>
/// What the store granted one window: <paramref name="Granted"/> requests, counted in <paramref name="AtSecond"/>
/// and to be admitted within that second; what it had left after the grant; when its oldest counted request leaves.
/// </summary>
public readonly record struct BlockGrant(string Name, int Limit, int Granted, int LeftAfter, long AtSecond, DateTimeOffset OldestLeavesAt);

/// <summary>
/// Sliding one-minute windows (the API's per-org and per-key rate limits) that every node of one PostgreSQL
/// database shares, kept in <c>api_rate_buckets</c> as requests per second of unix time. A node does not count
/// each request here: it leases a block of a window's allowance (<see cref="LeaseAsync"/>), counted at once in
/// the current second's bucket, admits from it in memory within that second, and hands back what it did not use
/// (<see cref="ReturnAsync"/>). The store grants only what the window has left, under a transaction-scoped advisory
/// lock per window taken in name order, so N nodes together admit no more than one would. A bucket stays in the
/// window until a whole minute has passed since its last possible instant, so a request leaves the window up to a
/// second after it would in an exact log: the shared limit errs on the side of refusing.
/// </summary>
public sealed class SharedSlidingWindow(ApplianceStore store)
{
    public const int WindowSeconds = 60;

    /// <summary>The most a node leases of one window at a time: what a node that dies holding it costs the others for a minute.</summary>
    public const int MaxBlock = 100;

    /// <summary>A block: a share of the limit small enough that every live node can hold one twice over, at least one request.</summary>
    public static int BlockSize(int limit, int liveNodes) => Math.Clamp(limit / (2 * Math.Max(1, liveNodes)), 1, MaxBlock);

    public Task<BlockGrant[]> LeaseAsync(IReadOnlyList<BlockRequest> windows, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            if (!tx.Dialect.IsPostgres)
            {
                throw new InvalidOperationException("Shared rate windows are for PostgreSQL; one SQLite node keeps its windows in memory");
            }

            var now = tx.Now.ToUnixTimeSeconds();
            var oldestCounted = now - WindowSeconds;
            var ordered = windows.OrderBy(w => w.Name, StringComparer.Ordinal).ToArray();
            var parameters = new DynamicParameters(new { now, oldestCounted });
            for (var i = 0; i < ordered.Length; i++)
            {
                parameters.Add($"n{i}", ordered[i].Name);
            }

            var (liveNodes, buckets) = await ReadUnderLocksAsync(tx, ordered.Length, parameters);
            var grants = new BlockGrant[ordered.Length];
            var write = new StringBuilder();
            for (var i = 0; i < ordered.Length; i++)
            {
                var window = ordered[i];
                var returned = window.ReturnUnits > 0 && window.ReturnSecond >= oldestCounted ? window.ReturnUnits : 0;
                var counted = buckets.Where(b => b.Name == window.Name && b.AtSecond >= oldestCounted)
                    .Select(b => (b.AtSecond, Hits: b.AtSecond == window.ReturnSecond ? Math.Max(0, b.Hits - returned) : b.Hits))
                    .Where(b => b.Hits > 0)
                    .ToList();
                var left = Math.Max(0, window.Limit - (int)counted.Sum(b => b.Hits));
                var granted = Math.Min(left, BlockSize(window.Limit, liveNodes));
                var oldest = counted.Count > 0 ? counted.Min(b => b.AtSecond) : now;
                grants[i] = new BlockGrant(window.Name, window.Limit, granted, left - granted, now, DateTimeOffset.FromUnixTimeSeconds(oldest + WindowSeconds + 1));

                if (returned > 0)
                {
                    parameters.Add($"rs{i}", window.ReturnSecond);
                    parameters.Add($"ru{i}", returned);
                    write.Append(CultureInfo.InvariantCulture, $"UPDATE api_rate_buckets SET hits = GREATEST(hits - @ru{i}, 0) WHERE name = @n{i} AND at_second = @rs{i};");
                }

                if (granted > 0)
                {
                    parameters.Add($"g{i}", granted);
                    write.Append(CultureInfo.InvariantCulture, $"INSERT INTO api_rate_buckets (name, at_second, hits) VALUES (@n{i}, @now, @g{i}) ")
                        .Append(CultureInfo.InvariantCulture, $"ON CONFLICT (name, at_second) DO UPDATE SET hits = api_rate_buckets.hits + @g{i};");
                }
            }

            if (buckets.Any(b => b.AtSecond < oldestCounted))
            {
                write.Append(CultureInfo.InvariantCulture, $"DELETE FROM api_rate_buckets WHERE name IN ({Names(ordered.Length)}) AND at_second < @oldestCounted;");
            }

            if (write.Length > 0)
            {
                await tx.ExecuteAsync(write.ToString(), parameters);
            }

            return grants;
        }, cancellationToken);

    /// <summary>Hands back what blocks were not used for, so that other nodes can lease it.</summary>
    public Task ReturnAsync(IReadOnlyList<(string Name, long AtSecond, int Units)> unused, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var sql = new StringBuilder("SELECT set_config('synchronous_commit', 'off', true);");
            var parameters = new DynamicParameters();
            for (var i = 0; i < unused.Count; i++)
            {
                parameters.Add($"n{i}", unused[i].Name);
                parameters.Add($"s{i}", unused[i].AtSecond);
                parameters.Add($"u{i}", unused[i].Units);
                sql.Append(CultureInfo.InvariantCulture, $"UPDATE api_rate_buckets SET hits = GREATEST(hits - @u{i}, 0) WHERE name = @n{i} AND at_second = @s{i};");
            }

            await tx.ExecuteAsync(sql.ToString(), parameters);
        }, cancellationToken);

    /// <summary>
    /// One round trip: the locks in name order (so two nodes never wait on each other crosswise), then the live
    /// nodes and the buckets, each read by a statement of its own so that its snapshot is taken once the locks are
    /// held. The counts are written without waiting for the flush: one lost to a crash only lets a block more through.
    /// </summary>
    private static async Task<(int LiveNodes, List<(string Name, long AtSecond, long Hits)> Buckets)> ReadUnderLocksAsync(
        StoreTransaction tx, int count, DynamicParameters parameters)
    {
        var sql = new StringBuilder("SELECT set_config('synchronous_commit', 'off', true);");
        for (var i = 0; i < count; i++)
        {
            sql.Append(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock(hashtext('api-rate:' || @n{i}));");
        }

        sql.Append("SELECT CAST(count(*) AS INTEGER) FROM nodes;")
            .Append(CultureInfo.InvariantCulture, $"SELECT name, at_second, CAST(hits AS BIGINT) AS hits FROM api_rate_buckets WHERE name IN ({Names(count)})");
        await using var results = await tx.QueryMultipleAsync(sql.ToString(), parameters);
        for (var i = 0; i <= count; i++) // set_config, then each lock
        {
            await results.ReadAsync();
        }

        var liveNodes = await results.ReadSingleAsync<int>();
        return (liveNodes, (await results.ReadAsync<(string Name, long AtSecond, long Hits)>()).ToList());
    }

    private static string Names(int count) => string.Join(", ", Enumerable.Range(0, count).Select(i => $"@n{i}"));
}
