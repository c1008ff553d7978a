using Cualify.Appliance.Core.RateLimits;
using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.LocalApi.RateLimits;

/// <summary>
/// The per-org and per-key API limits: in this process's memory on SQLite (one node), and shared through the
/// store on PostgreSQL, so that N nodes behind one load balancer together hold each limit (SPEC §9).
/// </summary>
public sealed class ApiRateLimits(ApplianceStore store, SlidingWindowLimiter local, SharedSlidingWindow shared, TimeProvider time)
{
    public async ValueTask<RateDecision> AcquireAsync(params (string Partition, int Limit)[] windows)
    {
        if (!store.IsPostgres)
        {
            return local.Acquire(windows);
        }

        var (admitted, standings) = await shared.TryTakeAsync(windows);
        var now = time.GetUtcNow();
        var decisions = standings.Select(s => new RateDecision(!s.Full, s.Limit,
            Math.Max(0, s.Limit - s.Counted - (s.Full ? 0 : 1)), s.OldestLeavesAt, s.Full ? s.OldestLeavesAt - now : TimeSpan.Zero));
        var tightest = decisions.Aggregate((current, candidate) => RateDecision.Tighter(candidate, current) ? candidate : current);
        return admitted ? tightest : tightest with { Allowed = false, Remaining = 0 };
    }
}
