using Cualify.Appliance.Core.Store;

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

    public Task<(bool Admitted, WindowStanding[] Windows)> TryTakeAsync(
        IReadOnlyList<(string Name, int Limit)> windows, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            if (tx.Dialect.IsPostgres)
            {
                // A count lost to a crash only lets a few requests more through; it is not worth a flush per request.
                await tx.ExecuteAsync("SET LOCAL synchronous_commit = off");
            }

            var now = tx.Now.ToUnixTimeSeconds();
            var oldestCounted = now - WindowSeconds;
            var standings = new WindowStanding[windows.Count];
            foreach (var index in Enumerable.Range(0, windows.Count).OrderBy(i => windows[i].Name, StringComparer.Ordinal))
            {
                var (name, limit) = windows[index];
                await tx.LockAsync("api-rate:" + name);
                var buckets = (await tx.QueryAsync<(long AtSecond, long Hits)>(
                    "SELECT at_second, CAST(hits AS BIGINT) FROM api_rate_buckets WHERE name = @name", new { name })).ToList();
                var counted = buckets.Where(b => b.AtSecond >= oldestCounted).ToList();
                if (counted.Count < buckets.Count)
                {
                    await tx.ExecuteAsync("DELETE FROM api_rate_buckets WHERE name = @name AND at_second < @oldestCounted", new { name, oldestCounted });
                }

                var oldest = counted.Count > 0 ? counted.Min(b => b.AtSecond) : now;
                standings[index] = new WindowStanding(name, limit, (int)counted.Sum(b => b.Hits),
                    DateTimeOffset.FromUnixTimeSeconds(oldest + WindowSeconds + 1));
            }

            var admitted = standings.All(s => !s.Full);
            if (admitted)
            {
                foreach (var (name, _) in windows)
                {
                    await tx.ExecuteAsync(
                        "INSERT INTO api_rate_buckets (name, at_second, hits) VALUES (@name, @now, 1) " +
                        "ON CONFLICT (name, at_second) DO UPDATE SET hits = api_rate_buckets.hits + 1",
                        new { name, now });
                }
            }

            return (admitted, standings);
        }, cancellationToken);
}
