using Cualify.Appliance.Core.RateLimits;
using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.LocalApi.RateLimits;

/// <summary>
/// The per-org and per-key API limits: in this process's memory on SQLite (one node), and shared through the
/// store on PostgreSQL, so that N nodes behind one load balancer together hold each limit (SPEC §9); each node
/// leases blocks of a window's allowance and admits from them in memory.
/// </summary>
public sealed class ApiRateLimits(ApplianceStore store, SlidingWindowLimiter local, LeasedSlidingWindows shared)
{
    public ValueTask<RateDecision> AcquireAsync(CancellationToken cancellationToken, params (string Partition, int Limit)[] windows) =>
        store.IsPostgres ? shared.AcquireAsync(windows, cancellationToken) : ValueTask.FromResult(local.Acquire(windows));
}
