using Cualify.Appliance.Core.Calls;

namespace Cualify.Appliance.Core.Tests.Calls;

public sealed class CallingHoursTests
{
    private static readonly CallingHours Default = CallingHours.Parse(CallingHours.Default);
    private static readonly TimeZoneInfo Kolkata = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly TimeZoneInfo LosAngeles = TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles");

    [Fact]
    public void Indian_and_US_numbers_ring_in_their_own_zones()
    {
        Assert.Equal(["Asia/Calcutta"], CallingHours.ZonesOf("+919812345678").Select(z => Canonical(z.Id)));
        Assert.Equal(["America/New_York"], CallingHours.ZonesOf("+12125550123").Select(z => z.Id));
    }

    [Theory]
    [InlineData("2026-06-01T03:29:00Z", false)] // Monday 08:59 IST
    [InlineData("2026-06-01T03:30:00Z", true)]  // Monday 09:00 IST
    [InlineData("2026-06-01T15:29:59Z", true)]  // Monday 20:59:59 IST
    [InlineData("2026-06-01T15:30:00Z", false)] // Monday 21:00 IST
    [InlineData("2026-06-07T06:00:00Z", false)] // Sunday 11:30 IST
    public void Default_hours_are_nine_to_nine_Monday_to_Saturday_in_India(string instant, bool allowed) =>
        Assert.Equal(allowed, Default.Allows(DateTimeOffset.Parse(instant), [Kolkata]));

    [Fact]
    public void Next_allowed_is_the_instant_itself_inside_hours_and_the_next_window_outside()
    {
        var inside = DateTimeOffset.Parse("2026-06-01T06:00:17Z");
        Assert.Equal(inside, Default.NextAllowed(inside, [Kolkata]));

        // Saturday 21:30 IST → Monday 09:00 IST (Sunday is not allowed).
        var saturdayNight = DateTimeOffset.Parse("2026-06-06T16:00:00Z");
        Assert.Equal(DateTimeOffset.Parse("2026-06-08T03:30:00Z"), Default.NextAllowed(saturdayNight, [Kolkata]));
    }

    [Fact]
    public void The_same_instant_gives_different_moments_for_India_and_New_York()
    {
        var now = DateTimeOffset.Parse("2026-06-01T02:00:00Z"); // 07:30 IST Monday, 22:00 EDT Sunday
        Assert.Equal(DateTimeOffset.Parse("2026-06-01T03:30:00Z"), Default.NextAllowed(now, [Kolkata]));
        Assert.Equal(DateTimeOffset.Parse("2026-06-01T13:00:00Z"), Default.NextAllowed(now, [NewYork]));
    }

    [Fact]
    public void A_number_in_several_zones_is_callable_only_when_every_zone_is_inside_hours()
    {
        // 09:00 in New York is 06:00 in Los Angeles: wait for 09:00 Pacific = 12:00 Eastern.
        var newYorkMorning = DateTimeOffset.Parse("2026-06-01T13:00:00Z");
        Assert.True(Default.Allows(newYorkMorning, [NewYork]));
        Assert.False(Default.Allows(newYorkMorning, [NewYork, LosAngeles]));
        Assert.Equal(DateTimeOffset.Parse("2026-06-01T16:00:00Z"), Default.NextAllowed(newYorkMorning, [NewYork, LosAngeles]));
    }

    [Fact]
    public void Hours_follow_daylight_saving_time()
    {
        // 09:00 in New York is 14:00Z in January (EST) and 13:00Z in July (EDT).
        Assert.Equal(DateTimeOffset.Parse("2026-01-05T14:00:00Z"), Default.NextAllowed(DateTimeOffset.Parse("2026-01-05T05:00:00Z"), [NewYork]));
        Assert.Equal(DateTimeOffset.Parse("2026-07-06T13:00:00Z"), Default.NextAllowed(DateTimeOffset.Parse("2026-07-06T05:00:00Z"), [NewYork]));
    }

    [Fact]
    public void Windows_that_never_overlap_have_no_next_allowed_moment()
    {
        var oneHour = CallingHours.Parse("* 9 * * *");
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        Assert.Null(oneHour.NextAllowed(DateTimeOffset.Parse("2026-06-01T00:00:00Z"), [NewYork, tokyo]));
        Assert.Null(CallingHours.Parse("* * 30 2 *").NextAllowed(DateTimeOffset.Parse("2026-06-01T00:00:00Z"), [Kolkata]));
    }

    [Fact]
    public void Minute_steps_are_read_minute_by_minute()
    {
        var everyOtherMinute = CallingHours.Parse("*/2 * * * *");
        Assert.True(everyOtherMinute.Allows(DateTimeOffset.Parse("2026-06-01T10:02:59Z"), [TimeZoneInfo.Utc]));
        Assert.False(everyOtherMinute.Allows(DateTimeOffset.Parse("2026-06-01T10:03:00Z"), [TimeZoneInfo.Utc]));
        Assert.Equal(DateTimeOffset.Parse("2026-06-01T10:04:00Z"), everyOtherMinute.NextAllowed(DateTimeOffset.Parse("2026-06-01T10:03:10Z"), [TimeZoneInfo.Utc]));
    }

    private static string Canonical(string id) => id == "Asia/Kolkata" ? "Asia/Calcutta" : id;
}
