using Cualify.Appliance.Core.Sequences;

namespace Cualify.Appliance.Core.Tests.Sequences;

/// <summary>A saved sending window always gives an answer: these run inside store writes that serve every org.</summary>
public sealed class SendingWindowTests
{
    private static readonly TimeZoneInfo Kolkata = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    [Fact]
    public void A_window_that_never_opens_in_every_zone_at_once_follows_the_first_zone()
    {
        var from = new DateTimeOffset(2026, 5, 6, 0, 0, 0, TimeSpan.Zero);

        var next = SendingWindow.NextAllowed("0 9 * * *", [Kolkata, NewYork], from);

        Assert.Equal(new DateTimeOffset(2026, 5, 6, 9, 0, 0, TimeSpan.FromHours(5.5)), next);
    }

    [Theory]
    [InlineData("0 9 30 2 *", false)]
    [InlineData("0 9 31 4 *", false)]
    [InlineData("0 9 29 2 *", true)]
    [InlineData("* 9-17 * * 1-5", true)]
    [InlineData("every weekday", false)]
    public void Only_a_window_that_opens_at_some_time_is_valid(string expression, bool valid) =>
        Assert.Equal(valid, SendingWindow.IsValid(expression));
}
