using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.Testing;

/// <summary>
/// A fake clock that also counts the timers the appliance arms, so a test can tell when the appliance has
/// finished reacting to a step of time (no new timers, no store changes) before moving the clock again.
/// </summary>
public sealed class ObservedTime(FakeTimeProvider fake) : TimeProvider
{
    private long _armed;

    public FakeTimeProvider Fake { get; } = fake;

    /// <summary>Grows every time a timer is created or re-armed.</summary>
    public long Armed => Interlocked.Read(ref _armed);

    public override DateTimeOffset GetUtcNow() => Fake.GetUtcNow();

    public override long GetTimestamp() => Fake.GetTimestamp();

    public override long TimestampFrequency => Fake.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => Fake.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Interlocked.Increment(ref _armed);
        return new CountedTimer(Fake.CreateTimer(callback, state, dueTime, period), this);
    }

    private sealed class CountedTimer(ITimer inner, ObservedTime owner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref owner._armed);
            return inner.Change(dueTime, period);
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
