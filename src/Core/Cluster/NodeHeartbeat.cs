using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Core.Cluster;

/// <summary>
/// On PostgreSQL: keeps this node's row in <c>nodes</c> fresh every <see cref="ClusterOptions.HeartbeatInterval"/>
/// and recovers any other node silent for <see cref="ClusterOptions.NodeTimeout"/> — its live calls are settled
/// <c>appliance_restart</c> and its claimed work (<see cref="INodeWorkRecovery"/>: webhook deliveries, CRM syncs)
/// goes back to pending. The silent node's row is deleted in the same transaction, so exactly one survivor
/// recovers it. Each beat also renews the <see cref="LeaderLease"/>. SQLite has one node and nothing to watch.
/// </summary>
public sealed class NodeHeartbeat(ApplianceStore store, ClusterNode node, CallRecovery calls, IEnumerable<INodeWorkRecovery> work, LeaderLease leader,
    IOptions<ClusterOptions> options, TimeProvider time, ILogger<NodeHeartbeat> logger) : BackgroundService
{
    /// <summary>One beat: this node's heartbeat, then the recovery of silent nodes. Returns the ids recovered.</summary>
    public Task<IReadOnlyList<string>> BeatAsync(CancellationToken cancellationToken = default) =>
        store.WriteAsync<IReadOnlyList<string>>(async tx =>
        {
            await tx.ExecuteAsync($"""
                INSERT INTO nodes (id, started_at, heartbeat_at, db_clock_at, url) VALUES (@Id, @Now, @Now, {DatabaseClock(tx)}, @url)
                ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, db_clock_at = excluded.db_clock_at, url = excluded.url
                """, new { node.Id, tx.Now, url = node.Url?.AbsoluteUri });
            var silent = (await tx.QueryAsync<string>(
                "DELETE FROM nodes WHERE id <> @Id AND heartbeat_at < @cutoff RETURNING id",
                new { node.Id, cutoff = tx.Now - options.Value.NodeTimeout })).ToList();
            foreach (var id in silent)
            {
                var ended = await calls.RecoverNodeAsync(tx, id);
                logger.LogWarning("Node {Node} was silent for over {Timeout}; settled its {Calls} live calls", id, options.Value.NodeTimeout, ended);
                foreach (var kind in work)
                {
                    var resumed = await kind.RecoverNodeAsync(tx, id);
                    logger.LogWarning("Node {Node} was silent; {Count} of its {Work} in flight go back to pending", id, resumed, kind.Work);
                }
            }

            await leader.RenewAsync(tx);
            return silent;
        }, cancellationToken);

    /// <summary>The database server's clock in the store's timestamp format, to set beside this node's own.</summary>
    private static string DatabaseClock(StoreTransaction tx) => tx.Dialect.IsPostgres
        ? """to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""
        : "NULL";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!store.IsPostgres)
        {
            return;
        }

        if (node.Url is null)
        {
            logger.LogWarning("Cluster:NodeUrl is not set: Twilio's Gather, TwiML and answering-machine requests that reach this node for a call " +
                              "another node placed are answered with a hang-up, and other nodes cannot pass such requests on to this one");
        }

        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval, time);
        do
        {
            try
            {
                await BeatAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                leader.Lost();
                logger.LogError(ex, "Node heartbeat failed; it runs again in {Interval}", options.Value.HeartbeatInterval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
