using System.Net.Http.Headers;
using Cualify.Appliance.Relay.Delivery;

namespace Cualify.Appliance.Relay.Tests;

public sealed class DeliveryRetryScheduleTests
{
    public static TheoryData<int, double> Schedule => new()
    {
        { 1, 5 }, { 2, 300 }, { 3, 1800 }, { 4, 7200 }, { 5, 18000 }, { 6, 36000 }, { 7, 50400 }, { 8, 72000 }, { 9, 86400 },
    };

    [Theory]
    [MemberData(nameof(Schedule))]
    public void Each_retry_waits_its_step_within_twenty_percent(int attemptsMade, double seconds)
    {
        Assert.Equal(seconds * 0.8, DeliveryRetrySchedule.DelayAfter(attemptsMade, 0)!.Value.TotalSeconds, 6);
        Assert.Equal(seconds, DeliveryRetrySchedule.DelayAfter(attemptsMade, 0.5)!.Value.TotalSeconds, 6);
        Assert.Equal(seconds * 1.2, DeliveryRetrySchedule.DelayAfter(attemptsMade, 1)!.Value.TotalSeconds, 6);
    }

    [Fact]
    public void The_tenth_attempt_is_the_last_and_the_whole_schedule_is_about_75_hours()
    {
        Assert.Equal(10, DeliveryRetrySchedule.MaxAttempts);
        Assert.Null(DeliveryRetrySchedule.DelayAfter(10, 0.5));
        var total = Enumerable.Range(1, 9).Sum(n => DeliveryRetrySchedule.DelayAfter(n, 0.5)!.Value.TotalHours);
        Assert.InRange(total, 75, 76);
    }

    [Fact]
    public void Retry_after_reads_seconds_and_dates_and_is_capped_at_a_day()
    {
        var now = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(TimeSpan.FromSeconds(120), DeliveryRetrySchedule.RetryAfter(new RetryConditionHeaderValue(TimeSpan.FromSeconds(120)), now));
        Assert.Equal(TimeSpan.FromHours(1), DeliveryRetrySchedule.RetryAfter(new RetryConditionHeaderValue(now.AddHours(1)), now));
        Assert.Equal(TimeSpan.Zero, DeliveryRetrySchedule.RetryAfter(new RetryConditionHeaderValue(now.AddHours(-1)), now));
        Assert.Equal(TimeSpan.FromHours(24), DeliveryRetrySchedule.RetryAfter(new RetryConditionHeaderValue(TimeSpan.FromDays(30)), now));
        Assert.Null(DeliveryRetrySchedule.RetryAfter(null, now));
    }
}
