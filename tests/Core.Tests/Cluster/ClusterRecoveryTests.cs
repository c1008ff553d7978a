using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Dapper;

namespace Cualify.Appliance.Core.Tests.Cluster;

public sealed class ClusterRecoveryTests
{
    private static readonly string[] Live = [.. CallStatus.Live];

    [Fact]
    public async Task A_restart_ends_only_its_own_calls_and_a_silent_node_is_recovered_by_a_survivor()
    {
        await using var cluster = await ClusterNodes.CreateAsync(2);
        var (first, second) = (cluster.First, cluster.All[1]);
        await ClusterAdmissionTests.QueueCallsAsync(first, 8);
        foreach (var node in cluster.All)
        {
            Assert.Equal(4, (await node.Store.WriteAsync(tx => node.Get<CallAdmission>().AdmitAsync(tx, 4))).Admitted.Count);
            Assert.Empty(await node.Get<NodeHeartbeat>().BeatAsync());
        }

        // The second node restarts: it ends the four calls it dialed, not the first node's.
        Assert.Equal(4, await second.Get<CallRecovery>().RecoverAsync());
        var firstId = first.Get<ClusterNode>().Id;
        Assert.Equal(4, await LiveOfAsync(first, firstId));
        Assert.Equal(0, await LiveOfAsync(first, second.Get<ClusterNode>().Id));

        // The first node falls silent: within the node timeout it is still left alone, after it a survivor settles its calls.
        second.Time.Advance(TimeSpan.FromSeconds(20));
        Assert.Empty(await second.Get<NodeHeartbeat>().BeatAsync());
        Assert.Equal(4, await LiveOfAsync(first, firstId));
        second.Time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal([firstId], await second.Get<NodeHeartbeat>().BeatAsync());
        Assert.Equal(0, await LiveOfAsync(first, firstId));
        var reasons = await first.Store.ReadAsync(c => c.QueryAsync<string>("SELECT DISTINCT end_reason FROM calls WHERE node_id = @firstId", new { firstId }));
        Assert.Equal([CallEndReasons.ApplianceRestart], reasons);
        Assert.Equal(0, await first.Store.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT sum(reserved_paise) FROM orgs")));
    }

    private static Task<long> LiveOfAsync(CoreHarness harness, string nodeId) =>
        harness.Store.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT count(*) FROM calls WHERE status IN @Live AND node_id = @nodeId", new { Live, nodeId }));
}
