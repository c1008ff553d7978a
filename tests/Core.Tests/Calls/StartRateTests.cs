using Cualify.Appliance.Core.Calls;

namespace Cualify.Appliance.Core.Tests.Calls;

public sealed class StartRateTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-06-01T06:00:00Z");

    [Fact]
    public void Three_per_second_allows_three_starts_in_any_second()
    {
        var rate = new StartRate(3, []);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(rate.HasRoom(T0));
            rate.Record(T0);
        }

        Assert.False(rate.HasRoom(T0.AddMilliseconds(999)));
        Assert.Equal(T0.AddSeconds(1), rate.NextRoom(T0.AddMilliseconds(500)));
        Assert.True(rate.HasRoom(T0.AddSeconds(1)));
    }

    [Fact]
    public void Half_a_call_per_second_allows_one_start_every_two_seconds()
    {
        var rate = new StartRate(0.5, [T0]);
        Assert.Equal(TimeSpan.FromSeconds(2), rate.Window);
        Assert.False(rate.HasRoom(T0.AddSeconds(1.9)));
        Assert.True(rate.HasRoom(T0.AddSeconds(2)));
    }
}
