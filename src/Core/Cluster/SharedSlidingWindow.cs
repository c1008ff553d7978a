using Cualify.Appliance.Core.Json;
using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Cluster;

/// <summary>One window's count before a request, and when its oldest counted request leaves it.</summary>
public readonly record struct WindowStanding(string Name, int Limit, int Counted, DateTimeOffset OldestLeavesAt)
{
    public bool Full => Counted >= Limit;
}

/// <summary>
/// Sliding one-minute windows (the API's per-org and per-key rate limits) that every node of one PostgreSQL
/// database shares, kept in <c>api_rate_buckets</c> as hits per second of unix time. A request is admitted only if
/// every window it counts against has room, and then counts against all of them; each window is taken under a
/// transaction-scoped advisory lock, in name order, so N nodes together admit no more than one would. A bucket
/// stays in the window until a whole minute has passed since its last possible instant, so a request leaves the
/// window up to a second after it would in an exact log: the shared limit errs on the side of refusing.
/// </summary>
public sealed class SharedSlidingWindow(ApplianceStore store)
{
    public const int WindowSeconds = 60;
    private const string LockPrefix = "api-rate:";

    public Task<(bool Admitted, WindowStanding[] Windows)> TryTakeAsync(
        IReadOnlyList<(string Name, int Limit)> windows, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var now = tx.Now.ToUnixTimeSeconds();
            var oldestCounted = now - WindowSeconds;
            var ordered = windows.Select(w => w.Name).Order(StringComparer.Ordinal).ToList();
            var parameters = new DynamicParameters(new { now, oldestCounted, windows = ApplianceJson.Serialize(windows.Select(w => new { name = w.Name, limit = w.Limit })) });
            for (var i = 0; i < ordered.Count; i++)
            {
                parameters.Add($"lock{i}", LockPrefix + ordered[i]);
            }

            // One round trip, so the windows' locks are held for one statement and the commit rather than for a
            // round trip per read and write: the locks first (in name order, the same keys as StoreTransaction.LockAsync),
            // then, in a statement of its own so that it sees what the last holder committed, the count and the increment.
            // A count lost to a crash only lets a few requests more through; it is not worth a flush per request.
            using var results = await tx.QueryMultipleAsync($"""
                SELECT set_config('synchronous_commit', 'off', true){string.Concat(ordered.Select((_, i) => $", pg_advisory_xact_lock(hashtext(@lock{i}))"))};
                WITH windows AS (
                    SELECT value ->> 'name' AS name, (value ->> 'limit')::int AS lim FROM jsonb_array_elements((@windows)::jsonb)
                ), expired AS (
                    DELETE FROM api_rate_buckets b USING windows w WHERE b.name = w.name AND b.at_second < @oldestCounted
                ), standing AS (
                    SELECT w.name, w.lim, coalesce(sum(b.hits), 0)::bigint AS counted, min(b.at_second) AS oldest
                    FROM windows w LEFT JOIN api_rate_buckets b ON b.name = w.name AND b.at_second >= @oldestCounted
                    GROUP BY w.name, w.lim
                ), verdict AS (
                    SELECT bool_and(counted < lim) AS admitted FROM standing
                ), taken AS (
                    INSERT INTO api_rate_buckets (name, at_second, hits)
                    SELECT w.name, @now, 1 FROM windows w, verdict WHERE verdict.admitted
                    ON CONFLICT (name, at_second) DO UPDATE SET hits = api_rate_buckets.hits + 1
                )
                SELECT name, counted, oldest FROM standing;
                """, parameters);
            await results.ReadAsync();
            var byName = (await results.ReadAsync<(string Name, long Counted, long? Oldest)>()).ToDictionary(r => r.Name, StringComparer.Ordinal);
            var standings = windows.Select(w => new WindowStanding(w.Name, w.Limit, (int)byName[w.Name].Counted,
                DateTimeOffset.FromUnixTimeSeconds((byName[w.Name].Oldest ?? now) + WindowSeconds + 1))).ToArray();
            return (standings.All(w => !w.Full), standings);
        }, cancellationToken);
}
