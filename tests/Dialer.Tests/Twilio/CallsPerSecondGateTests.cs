using Cualify.Appliance.Dialer.Twilio;
using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.Dialer.Tests.Twilio;

public sealed class CallsPerSecondGateTests
{
    [Fact]
    public async Task Lets_one_call_a_second_through_by_default()
    {
        var time = new FakeTimeProvider();
        var gate = new CallsPerSecondGate(1, time);

        await gate.WaitAsync(CancellationToken.None);
        var second = gate.WaitAsync(CancellationToken.None);
        var third = gate.WaitAsync(CancellationToken.None);

        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await second.WaitAsync(TimeSpan.FromSeconds(5));

        // The third waiter takes its turn on another thread once the second is through, so its timer may start a
        // moment later: step the clock and check it never gets through before a full second has passed.
        var secondThrough = time.GetUtcNow();
        var thirdThrough = await AdvanceUntilCompleted(time, third);
        Assert.InRange(thirdThrough - secondThrough, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
    }

    private static async Task<DateTimeOffset> AdvanceUntilCompleted(FakeTimeProvider time, Task waiter)
    {
        for (var step = 0; step < 100 && !waiter.IsCompleted; step++)
        {
            await Task.WhenAny(waiter, Task.Delay(TimeSpan.FromMilliseconds(20)));
            if (!waiter.IsCompleted)
            {
                time.Advance(TimeSpan.FromMilliseconds(100));
            }
        }

        await waiter.WaitAsync(TimeSpan.FromSeconds(5));
        return time.GetUtcNow();
    }

    [Fact]
    public async Task Allows_a_burst_of_one_seconds_worth_then_spaces_calls_evenly()
    {
        var time = new FakeTimeProvider();
        var gate = new CallsPerSecondGate(4, time);

        for (var i = 0; i < 4; i++)
        {
            await gate.WaitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        }

        var fifth = gate.WaitAsync(CancellationToken.None);
        Assert.False(fifth.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(250));
        await fifth.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Refills_after_an_idle_while_but_never_beyond_the_burst()
    {
        var time = new FakeTimeProvider();
        var gate = new CallsPerSecondGate(2, time);
        time.Advance(TimeSpan.FromMinutes(10));

        await gate.WaitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        await gate.WaitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        var third = gate.WaitAsync(CancellationToken.None);

        Assert.False(third.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(500));
        await third.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
