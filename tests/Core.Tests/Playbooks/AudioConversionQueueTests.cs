using Cualify.Appliance.Core.Playbooks.Audio;

namespace Cualify.Appliance.Core.Tests.Playbooks;

public sealed class AudioConversionQueueTests
{
    [Fact]
    public async Task One_orgs_conversions_run_one_at_a_time_while_another_org_is_served()
    {
        using var queue = new AudioConversionQueue(workers: 2);
        var steps = new List<string>();
        var firstStarted = new TaskCompletionSource();
        var releaseFirst = new ManualResetEventSlim();

        var first = queue.RunAsync("org_a", () =>
        {
            Log(steps, "a1 start");
            firstStarted.SetResult();
            releaseFirst.Wait();
            Log(steps, "a1 end");
            return 1;
        }, CancellationToken.None);
        await firstStarted.Task;
        var second = queue.RunAsync("org_a", () => { Log(steps, "a2 start"); return 2; }, CancellationToken.None);

        // Another org is not stuck behind org_a's long conversion.
        Assert.Equal(3, await queue.RunAsync("org_b", () => { Log(steps, "b1"); return 3; }, CancellationToken.None));
        Assert.False(second.IsCompleted);

        releaseFirst.Set();
        Assert.Equal(1, await first);
        Assert.Equal(2, await second);
        Assert.Equal(["a1 start", "b1", "a1 end", "a2 start"], steps);
    }

    [Fact]
    public async Task A_failed_conversion_reaches_its_caller_and_the_next_one_still_runs()
    {
        using var queue = new AudioConversionQueue(workers: 1);

        var error = await Assert.ThrowsAsync<UnsupportedAudioException>(() =>
            queue.RunAsync<int>("org_a", () => throw new UnsupportedAudioException("not a WAV"), CancellationToken.None));

        Assert.Equal("not a WAV", error.Message);
        Assert.Equal(7, await queue.RunAsync("org_a", () => 7, CancellationToken.None));
    }

    [Fact]
    public async Task A_caller_that_gave_up_before_its_turn_never_starts_its_work()
    {
        using var queue = new AudioConversionQueue(workers: 1);
        var releaseFirst = new ManualResetEventSlim();
        var firstStarted = new TaskCompletionSource();
        var first = queue.RunAsync("org_a", () => { firstStarted.SetResult(); releaseFirst.Wait(); return 1; }, CancellationToken.None);
        await firstStarted.Task;
        using var giveUp = new CancellationTokenSource();
        var ran = false;

        var abandoned = queue.RunAsync("org_b", () => ran = true, giveUp.Token);
        giveUp.Cancel();
        releaseFirst.Set();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        Assert.Equal(1, await first);
        Assert.Equal(5, await queue.RunAsync("org_b", () => 5, CancellationToken.None));
        Assert.False(ran);
    }

    private static void Log(List<string> steps, string step)
    {
        lock (steps)
        {
            steps.Add(step);
        }
    }
}
