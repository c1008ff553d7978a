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
    public async ValueTask<RateDecision> AcquireAsync(CancellationToken cancellationToken, params (string Partition, int Limit)[] windows)
    {
        if (!store.IsPostgres)
        {
            return local.Acquire(windows);
        }

        var (_, standings) = await shared.TryTakeAsync(windows, cancellationToken);
        var now = time.GetUtcNow();
        return RateDecision.Combine([.. standings.Select(s => RateDecision.OfWindow(s.Limit, s.Counted, s.OldestLeavesAt, now))]);
    }
}
