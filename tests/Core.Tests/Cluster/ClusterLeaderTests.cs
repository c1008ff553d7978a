using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Core.Tests.Cluster;

public sealed class ClusterLeaderTests
{
    [Fact]
    public async Task A_singleton_runs_on_the_leader_only_and_moves_to_a_survivor_when_the_leader_falls_silent()
    {
        await using var cluster = await ClusterNodes.CreateAsync(2);
        var (first, second) = (cluster.First, cluster.All[1]);
        await first.Get<NodeHeartbeat>().BeatAsync();
        await second.Get<NodeHeartbeat>().BeatAsync();

        using var stop = new CancellationTokenSource();
        var firstRun = new Singleton();
        var secondRun = new Singleton();
        var firstTask = first.Get<LeaderLease>().RunWhileLeaderAsync(firstRun.RunAsync, stop.Token);
        var secondTask = second.Get<LeaderLease>().RunWhileLeaderAsync(secondRun.RunAsync, stop.Token);
        await firstRun.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(secondRun.Started.Task.IsCompleted);

        // The first node falls silent past its lease: the second takes it and starts the singleton.
        second.Time.Advance(TimeSpan.FromSeconds(31));
        await second.Get<NodeHeartbeat>().BeatAsync();
        second.Time.Advance(second.Get<Microsoft.Extensions.Options.IOptions<ClusterOptions>>().Value.HeartbeatInterval);
        await secondRun.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // The first node comes back: its beat finds the lease taken, and its singleton is stopped within a heartbeat interval.
        await first.Get<NodeHeartbeat>().BeatAsync();
        Assert.False(first.Get<LeaderLease>().IsLeader);
        first.Time.Advance(TimeSpan.FromSeconds(10));
        await firstRun.Stopped.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(secondRun.Stopped.Task.IsCompleted);

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.WhenAll(firstTask, secondTask));
    }

    [Fact]
    public async Task On_SQLite_the_one_node_always_leads()
    {
        await using var node = await CoreHarness.CreateAsync();
        Assert.True(node.Get<LeaderLease>().IsLeader);
        var run = new Singleton();
        using var stop = new CancellationTokenSource();
        var task = node.Get<LeaderLease>().RunWhileLeaderAsync(run.RunAsync, stop.Token);
        await run.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await run.Stopped.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
    }

    private sealed class Singleton
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Stopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task RunAsync(CancellationToken token)
        {
            Started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            finally
            {
                Stopped.TrySetResult();
            }
        }
    }
}
