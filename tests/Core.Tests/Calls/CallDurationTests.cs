using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Credits;

namespace Cualify.Appliance.Core.Tests.Calls;

public sealed class CallDurationTests
{
    private static readonly CallPricing TenPaisePerSecond = new(10, 1);

    [Theory]
    [InlineData(120, 300, 3600, 1_000_000, 120, "request")]
    [InlineData(null, 300, 3600, 1_000_000, 300, "playbook")]
    [InlineData(5000, 6000, 3600, 1_000_000, 3600, "global_cap")]
    [InlineData(120, 300, 3600, 900, 90, "credits")]
    [InlineData(90, 300, 3600, 900, 90, "request")] // a tie reads as the configured limit
    public void The_effective_maximum_is_the_smallest_term(int? requested, int playbook, int cap, long available, int seconds, string limitedBy)
    {
        var decided = CallDuration.Decide(requested, playbook, cap, TenPaisePerSecond, available, minimumCallSeconds: 30);
        Assert.NotNull(decided);
        Assert.Equal(seconds, decided.Seconds);
        Assert.Equal(limitedBy, decided.LimitedBy);
        Assert.Equal(seconds * 10L, decided.ReservationPaise);
    }

    [Fact]
    public void A_balance_below_the_minimum_worth_dialing_is_refused()
    {
        Assert.Null(CallDuration.Decide(null, 300, 3600, TenPaisePerSecond, 299, minimumCallSeconds: 30));
        Assert.NotNull(CallDuration.Decide(null, 300, 3600, TenPaisePerSecond, 300, minimumCallSeconds: 30));
        // A call whose own maximum is shorter than the minimum needs only that much.
        Assert.Equal(10, CallDuration.Decide(10, 300, 3600, TenPaisePerSecond, 100, minimumCallSeconds: 30)!.Seconds);
    }

    [Fact]
    public void With_minute_pulses_the_affordable_time_is_whole_minutes_and_the_hold_covers_the_rounding()
    {
        var pulses = new CallPricing(2, 60); // 120 paise a minute
        var decided = CallDuration.Decide(null, 3600, 3600, pulses, availablePaise: 500, minimumCallSeconds: 30)!;
        Assert.Equal(240, decided.Seconds);
        Assert.Equal(DurationLimit.Credits, decided.LimitedBy);
        Assert.Equal(480, decided.ReservationPaise);

        var short45 = CallDuration.Decide(45, 3600, 3600, pulses, availablePaise: 500, minimumCallSeconds: 30)!;
        Assert.Equal(45, short45.Seconds);
        Assert.Equal(120, short45.ReservationPaise); // 45 s bills as one whole minute
    }

    [Fact]
    public void A_free_rate_holds_nothing()
    {
        var decided = CallDuration.Decide(null, 300, 3600, new CallPricing(0, 1), 0, 30)!;
        Assert.Equal(300, decided.Seconds);
        Assert.Equal(0, decided.ReservationPaise);
    }
}
