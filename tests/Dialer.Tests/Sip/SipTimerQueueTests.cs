using Cualify.Appliance.Dialer.Sip.Transactions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>The stack's one timer queue on fake time: every SIP timer fires at its own moment, in due order, once.</summary>
public sealed class SipTimerQueueTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly List<string> _fired = [];
    private readonly SipTimerQueue _queue;
    private readonly DateTimeOffset _start;

    public SipTimerQueueTests()
    {
        _queue = new SipTimerQueue(_time, NullLogger.Instance);
        _start = _time.GetUtcNow();
    }

    private long Elapsed => (long)(_time.GetUtcNow() - _start).TotalMilliseconds;

    private SipTimer Timer(string name) => new(_queue, () => _fired.Add($"{name}@{Elapsed}"));

    /// <summary>Moves the clock 100 ms at a time (a fake clock fires what is due at the end of each step).</summary>
    private void Run(TimeSpan total)
    {
        for (var left = total; left > TimeSpan.Zero; left -= TimeSpan.FromMilliseconds(100))
        {
            _time.Advance(left < TimeSpan.FromMilliseconds(100) ? left : TimeSpan.FromMilliseconds(100));
        }
    }

    [Fact]
    public void Timers_fire_in_due_order_each_at_its_own_moment_whatever_order_they_were_started_in()
    {
        Timer("b").Start(TimeSpan.FromMilliseconds(1500));
        Timer("a").Start(TimeSpan.FromMilliseconds(500));
        Timer("c").Start(TimeSpan.FromSeconds(32));

        _time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.Empty(_fired);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Run(TimeSpan.FromSeconds(40));

        Assert.Equal(["a@500", "b@1500", "c@32000"], _fired);
    }

    [Fact]
    public void A_stopped_timer_never_fires_and_a_restarted_one_fires_only_at_its_new_moment()
    {
        var stopped = Timer("stopped");
        var restarted = Timer("restarted");
        stopped.Start(TimeSpan.FromMilliseconds(500));
        restarted.Start(TimeSpan.FromMilliseconds(500));

        Run(TimeSpan.FromMilliseconds(200));
        stopped.Stop();
        restarted.Start(TimeSpan.FromSeconds(1));
        Run(TimeSpan.FromSeconds(5));

        Assert.Equal(["restarted@1200"], _fired);
    }

    [Fact]
    public void A_timer_re_armed_from_its_own_callback_keeps_its_period_and_a_throwing_one_does_not_stop_the_rest()
    {
        SipTimer? periodic = null;
        periodic = new SipTimer(_queue, () =>
        {
            _fired.Add($"tick@{Elapsed}");
            periodic!.Start(TimeSpan.FromSeconds(1));
        });
        periodic.Start(TimeSpan.FromSeconds(1));
        new SipTimer(_queue, () => throw new InvalidOperationException("bug in a callback")).Start(TimeSpan.FromSeconds(2));
        Timer("after").Start(TimeSpan.FromSeconds(2));

        Run(TimeSpan.FromSeconds(3));

        // Timers due at the same moment fire in the order they were started: the re-armed tick was started last.
        Assert.Equal(["tick@1000", "after@2000", "tick@2000", "tick@3000"], _fired);
    }

    [Fact]
    public void Nothing_fires_after_the_queue_is_disposed()
    {
        Timer("late").Start(TimeSpan.FromSeconds(1));
        _queue.Dispose();
        Timer("later").Start(TimeSpan.FromSeconds(1));

        Run(TimeSpan.FromSeconds(5));

        Assert.Empty(_fired);
        Assert.Equal(0, _queue.Pending);
    }
}
