using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Metrics;
using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Cluster;

/// <summary>
/// Which node answers the scrape (<c>cualify_node_info{node_id}</c>), whether it leads, and the live calls of every
/// node of the store (<c>cualify_node_calls_live{node_id}</c>), so a dashboard sees who owns what (SPEC §9).
/// </summary>
public sealed class ClusterMetrics(ApplianceStore store, ClusterNode node, LeaderLease leader) : IMetricsSource
{
    private static readonly string[] Live = [.. CallStatus.Live];

    public async Task CollectAsync(ApplianceMetrics metrics, CancellationToken cancellationToken)
    {
        metrics.ScrapeGauge("cualify_node_info", "This appliance node (1), by its id", "node_id").Set(1, node.Id);
        metrics.ScrapeGauge("cualify_node_leader", "1 when this node holds the lease that runs the singletons (IMAP, campaign hopper, housekeeping)", "node_id")
            .Set(leader.IsLeader ? 1 : 0, node.Id);
        var rows = await store.ReadAsync(connection => connection.QueryAsync<(string? NodeId, long Calls)>(new CommandDefinition(
            "SELECT node_id, count(*) FROM calls WHERE status IN @Live GROUP BY node_id", new { Live }, cancellationToken: cancellationToken)), cancellationToken);
        var calls = metrics.ScrapeGauge("cualify_node_calls_live", "Calls dialing, ringing or in progress, by the node that dials them", "node_id");
        // This node always has a line; calls from before nodes were recorded count as its own.
        var byNode = new Dictionary<string, long>(StringComparer.Ordinal) { [node.Id] = 0 };
        foreach (var (nodeId, count) in rows)
        {
            byNode[nodeId ?? node.Id] = byNode.GetValueOrDefault(nodeId ?? node.Id) + count;
        }

        foreach (var (nodeId, count) in byNode)
        {
            calls.Set(count, nodeId);
        }
    }
}
