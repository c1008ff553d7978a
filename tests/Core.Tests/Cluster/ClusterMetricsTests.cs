using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Core.Metrics;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Core.Tests.Cluster;

public sealed class ClusterMetricsTests
{
    [Fact]
    public async Task Metrics_name_the_scraped_node_and_the_live_calls_each_node_owns()
    {
        await using var cluster = await ClusterNodes.CreateAsync(2);
        var (first, second) = (cluster.First, cluster.All[1]);
        await ClusterAdmissionTests.QueueCallsAsync(first, 5);
        Assert.Equal(2, (await first.Store.WriteAsync(tx => first.Get<CallAdmission>().AdmitAsync(tx, 2))).Admitted.Count);
        Assert.Equal(3, (await second.Store.WriteAsync(tx => second.Get<CallAdmission>().AdmitAsync(tx, 3))).Admitted.Count);
        await first.Get<NodeHeartbeat>().BeatAsync();
        await second.Get<NodeHeartbeat>().BeatAsync();
        var (firstId, secondId) = (first.Get<ClusterNode>().Id, second.Get<ClusterNode>().Id);

        var scraped = await second.Get<ApplianceMetrics>().ScrapeAsync(CancellationToken.None);

        Assert.Contains($"cualify_node_info{{node_id=\"{secondId}\"}} 1", scraped);
        Assert.DoesNotContain($"cualify_node_info{{node_id=\"{firstId}\"}}", scraped);
        Assert.Contains($"cualify_node_leader{{node_id=\"{secondId}\"}} 0", scraped);
        Assert.Contains($"cualify_node_calls_live{{node_id=\"{firstId}\"}} 2", scraped);
        Assert.Contains($"cualify_node_calls_live{{node_id=\"{secondId}\"}} 3", scraped);

        // The call resource names its node too.
        var call = (await second.Get<CallReader>().GetAsync(await first.Store.ReadAsync(c => Dapper.SqlMapper.ExecuteScalarAsync<string>(c,
            "SELECT id FROM calls WHERE node_id = @firstId LIMIT 1", new { firstId })) ?? ""))!;
        Assert.Equal(firstId, CallDetailView.From(call, []).NodeId);
    }

    [Fact]
    public async Task Each_heartbeat_records_the_database_clock_beside_the_nodes_own()
    {
        await using var cluster = await ClusterNodes.CreateAsync(1);
        var node = cluster.First;
        // The harness's clock is months behind the real one that the database server keeps.
        var behind = node.Time.GetUtcNow() - DateTimeOffset.UtcNow;
        await node.Get<NodeHeartbeat>().BeatAsync();

        var (own, server) = await node.Store.ReadAsync(c => Dapper.SqlMapper.QuerySingleAsync<(string, string)>(c, "SELECT heartbeat_at, db_clock_at FROM nodes"));
        var offset = Core.Store.UtcTimestamp.Parse(own) - Core.Store.UtcTimestamp.Parse(server);
        Assert.InRange((offset - behind).TotalSeconds, -30, 30);
    }
}
