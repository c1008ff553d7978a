using Cualify.Appliance.Core.Credits;

namespace Cualify.Appliance.Core.Tests.Credits;

public sealed class CallPricingTests
{
    [Theory]
    [InlineData(1, 142.0, 142, 1420)]
    [InlineData(1, 141.2, 142, 1420)]
    [InlineData(1, 0.0, 0, 0)]
    [InlineData(60, 1.0, 60, 600)]
    [InlineData(60, 60.0, 60, 600)]
    [InlineData(60, 60.4, 120, 1200)]
    [InlineData(60, 142.0, 180, 1800)]
    public void Billed_seconds_round_up_to_the_increment(int increment, double seconds, long billed, long charge)
    {
        var pricing = new CallPricing(10, increment);
        Assert.Equal(billed, pricing.BilledSeconds(seconds));
        Assert.Equal(charge, pricing.Charge(seconds));
    }

    [Theory]
    [InlineData(1, 1425, 142)]
    [InlineData(60, 1425, 120)]
    [InlineData(60, 599, 0)]
    public void Affordable_seconds_are_whole_increments_the_balance_can_pay(int increment, long available, long seconds) =>
        Assert.Equal(seconds, new CallPricing(10, increment).AffordableSeconds(available));
}
