using System.Globalization;
using System.Text;
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

    public Task<(bool Admitted, WindowStanding[] Windows)> TryTakeAsync(
        IReadOnlyList<(string Name, int Limit)> windows, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            if (!tx.Dialect.IsPostgres)
            {
                throw new InvalidOperationException("Shared rate windows are for PostgreSQL; one SQLite node keeps its windows in memory");
            }

            var now = tx.Now.ToUnixTimeSeconds();
            var oldestCounted = now - WindowSeconds;
            var names = windows.Select(w => w.Name).Order(StringComparer.Ordinal).ToArray();

            // One round trip: the locks in name order (so two nodes never wait on each other crosswise), then the
            // buckets, read by a statement of its own so that its snapshot is taken once the locks are held. A count
            // lost to a crash only lets a few requests more through: not worth a flush per request.
            var sql = new StringBuilder("SELECT set_config('synchronous_commit', 'off', true);");
            for (var i = 0; i < names.Length; i++)
            {
                sql.Append(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock(hashtext('api-rate:' || @n{i}));");
            }

            var named = string.Join(", ", names.Select((_, i) => $"@n{i}"));
            sql.Append(CultureInfo.InvariantCulture, $"SELECT name, at_second, CAST(hits AS BIGINT) AS hits FROM api_rate_buckets WHERE name IN ({named})");
            var parameters = new DynamicParameters(new { now, oldestCounted });
            for (var i = 0; i < names.Length; i++)
            {
                parameters.Add($"n{i}", names[i]);
            }

            List<(string Name, long AtSecond, long Hits)> buckets;
            await using (var results = await tx.QueryMultipleAsync(sql.ToString(), parameters))
            {
                for (var i = 0; i <= names.Length; i++) // set_config, then each lock
                {
                    await results.ReadAsync();
                }

                buckets = (await results.ReadAsync<(string Name, long AtSecond, long Hits)>()).ToList();
            }

            var standings = windows.Select(w =>
            {
                var counted = buckets.Where(b => b.Name == w.Name && b.AtSecond >= oldestCounted).ToList();
                var oldest = counted.Count > 0 ? counted.Min(b => b.AtSecond) : now;
                return new WindowStanding(w.Name, w.Limit, (int)counted.Sum(b => b.Hits), DateTimeOffset.FromUnixTimeSeconds(oldest + WindowSeconds + 1));
            }).ToArray();

            var admitted = standings.All(s => !s.Full);
            var stale = buckets.Any(b => b.AtSecond < oldestCounted);
            if (admitted || stale)
            {
                var write = new StringBuilder();
                if (stale)
                {
                    write.Append(CultureInfo.InvariantCulture, $"DELETE FROM api_rate_buckets WHERE name IN ({named}) AND at_second < @oldestCounted;");
                }

                if (admitted)
                {
                    var rows = string.Join(", ", names.Select((_, i) => $"(@n{i}, @now, 1)"));
                    write.Append(CultureInfo.InvariantCulture, $"INSERT INTO api_rate_buckets (name, at_second, hits) VALUES {rows} ")
                        .Append("ON CONFLICT (name, at_second) DO UPDATE SET hits = api_rate_buckets.hits + 1");
                }

                await tx.ExecuteAsync(write.ToString(), parameters);
            }

            return (admitted, standings);
        }, cancellationToken);
}
