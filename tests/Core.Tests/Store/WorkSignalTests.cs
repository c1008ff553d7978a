using Cualify.Appliance.Core.Store;
using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.Core.Tests.Store;

public sealed class WorkSignalTests
{
    [Fact]
    public async Task Waiting_until_a_time_ends_when_the_clock_reaches_it_and_not_before()
    {
        var time = new FakeTimeProvider();
        var signal = new WorkSignal();

        var waiting = WorkSignal.WaitUntilAsync(signal.Next, time.GetUtcNow() + TimeSpan.FromMinutes(10), time, CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(9));
        Assert.False(waiting.IsCompleted);
        time.Advance(TimeSpan.FromMinutes(1));

        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_time_the_clock_has_already_passed_returns_at_once()
    {
        var time = new FakeTimeProvider();
        var until = time.GetUtcNow() + TimeSpan.FromMinutes(10);
        time.Advance(TimeSpan.FromHours(1));

        await WorkSignal.WaitUntilAsync(new WorkSignal().Next, until, time, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_notification_ends_the_wait_early()
    {
        var time = new FakeTimeProvider();
        var signal = new WorkSignal();

        var waiting = WorkSignal.WaitUntilAsync(signal.Next, time.GetUtcNow() + TimeSpan.FromHours(1), time, CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        signal.Notify();

        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Stopping_ends_the_wait_as_canceled()
    {
        var time = new FakeTimeProvider();
        using var stopping = new CancellationTokenSource();

        var waiting = WorkSignal.WaitUntilAsync(new WorkSignal().Next, time.GetUtcNow() + TimeSpan.FromHours(1), time, stopping.Token);
        await stopping.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
