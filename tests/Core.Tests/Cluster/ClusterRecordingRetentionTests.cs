using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Core.Recordings;
using Cualify.Appliance.Testing;
using Dapper;

namespace Cualify.Appliance.Core.Tests.Cluster;

public sealed class ClusterRecordingRetentionTests
{
    [Fact]
    public async Task Each_node_deletes_the_old_recordings_in_its_own_folder_and_those_of_nodes_that_are_gone()
    {
        await using var cluster = await ClusterNodes.CreateAsync(2);
        var (first, second) = (cluster.First, cluster.All[1]);
        await ClusterAdmissionTests.QueueCallsAsync(first, 3);
        var calls = new List<(CoreHarness Node, string CallId)>();
        foreach (var (node, count) in new[] { (first, 2), (second, 1) })
        {
            await node.Get<NodeHeartbeat>().BeatAsync();
            var admitted = (await node.Store.WriteAsync(tx => node.Get<CallAdmission>().AdmitAsync(tx, count))).Admitted;
            calls.AddRange(admitted.Select(a => (node, a.Call.Id)));
        }

        foreach (var (node, callId) in calls)
        {
            Directory.CreateDirectory(Path.Combine(node.DataDir, "recordings"));
            await File.WriteAllBytesAsync(Path.Combine(node.DataDir, "recordings", $"{callId}.wav"), WavFixtures.Tone(8000, 16, 2, 1));
            Assert.True(await node.Get<CallRecordings>().CompleteAsync(callId, $"recordings/{callId}.wav"));
        }

        // All are past retention; the first node's second recording was made by a node that has since left.
        await first.Store.WriteAsync(tx => tx.ExecuteAsync("UPDATE recordings SET created_at = '2000-01-01T00:00:00.000Z'"));
        await first.Store.WriteAsync(tx => tx.ExecuteAsync("UPDATE recordings SET node_id = 'node_gone' WHERE call_id = @CallId", new { calls[1].CallId }));

        Assert.Equal(2, await first.Get<CallRecordings>().PurgeExpiredAsync());
        Assert.Equal([calls[2].CallId], await first.Store.ReadAsync(c => c.QueryAsync<string>("SELECT call_id FROM recordings")));
        Assert.True(File.Exists(Path.Combine(second.DataDir, "recordings", $"{calls[2].CallId}.wav")), "another live node's file stays");
        Assert.Equal(1, await second.Get<CallRecordings>().PurgeExpiredAsync());
        await WaitUntilGoneAsync(Path.Combine(second.DataDir, "recordings", $"{calls[2].CallId}.wav"));
        await WaitUntilGoneAsync(Path.Combine(first.DataDir, "recordings", $"{calls[0].CallId}.wav"));
    }

    private static async Task WaitUntilGoneAsync(string file)
    {
        for (var i = 0; i < 100 && File.Exists(file); i++)
        {
            await Task.Delay(20);
        }

        Assert.False(File.Exists(file), $"{file} is deleted");
    }
}
