using Cualify.Appliance.Core.Store;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Core.Cluster;

/// <summary>
/// The one node that runs the singletons (IMAP watchers, retention, the campaign hopper). On PostgreSQL the
/// <c>leases</c> row <c>leader</c> names its holder until it expires; every heartbeat renews it, and any node takes it
/// over once it has expired (one <see cref="ClusterOptions.NodeTimeout"/> after its holder's last beat). A node that
/// fails to renew stops being leader at once. On SQLite the one node is always the leader.
/// </summary>
public sealed class LeaderLease(ApplianceStore store, ClusterNode node, IOptions<ClusterOptions> options, TimeProvider time)
{
    public const string Name = "leader";
    private volatile bool _held;
    private readonly WorkSignal _taken = new();

    /// <summary>Whether this node runs the singletons now.</summary>
    public bool IsLeader => !store.IsPostgres || _held;

    /// <summary>Renews or takes the lease in the heartbeat's transaction; returns whether this node holds it.</summary>
    public async Task<bool> RenewAsync(StoreTransaction tx)
    {
        var holder = await tx.ExecuteScalarAsync<string?>("""
            INSERT INTO leases (name, holder, expires_at) VALUES (@Name, @Id, @until)
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE leases.holder = excluded.holder OR leases.expires_at < @Now
            RETURNING holder
            """, new { Name, node.Id, until = tx.Now + options.Value.NodeTimeout, tx.Now });
        var held = holder == node.Id;
        if (held && !_held)
        {
            tx.AfterCommit(_taken.Wake);
        }

        _held = held;
        return held;
    }

    /// <summary>After a failed heartbeat this node can no longer prove it holds the lease.</summary>
    public void Lost() => _held = false;

    /// <summary>
    /// Runs <paramref name="singleton"/> while this node leads: it starts once the lease is this node's, and its token is
    /// cancelled within a heartbeat interval of the lease being lost, after which it waits to lead again. Returns when
    /// the singleton returns by itself or <paramref name="stoppingToken"/> is cancelled.
    /// </summary>
    public async Task RunWhileLeaderAsync(Func<CancellationToken, Task> singleton, CancellationToken stoppingToken)
    {
        var check = options.Value.HeartbeatInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            while (!IsLeader)
            {
                // Woken as soon as a heartbeat takes the lease, so a starting node does not wait a whole interval.
                var taken = _taken.Next;
                if (!IsLeader)
                {
                    await WorkSignal.WaitAsync(taken, check, time, stoppingToken);
                }
            }

            using var lost = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var watch = WatchAsync(lost, check);
            try
            {
                await singleton(lost.Token);
                if (!lost.IsCancellationRequested || stoppingToken.IsCancellationRequested)
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (lost.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
            {
                // The lease went to another node; wait to lead again.
            }
            finally
            {
                await lost.CancelAsync();
                await watch;
            }
        }
    }

    private async Task WatchAsync(CancellationTokenSource lost, TimeSpan check)
    {
        try
        {
            while (IsLeader)
            {
                await Task.Delay(check, time, lost.Token);
            }

            await lost.CancelAsync();
        }
        catch (OperationCanceledException)
        {
        }
    }
}
