using System.Net.Http.Headers;

namespace Cualify.Appliance.Relay.Delivery;

/// <summary>
/// When a failed delivery is tried again: after the first attempt 5 s, 5 m, 30 m, 2 h, 5 h, 10 h, 14 h, 20 h and
/// 24 h (about 75 h in all), each ±20 % so that receivers coming back are not hit by a synchronised wave.
/// After the tenth attempt the delivery is failed.
/// </summary>
public static class DeliveryRetrySchedule
{
    public const double Jitter = 0.2;

    public static IReadOnlyList<TimeSpan> Delays { get; } =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(5),
        TimeSpan.FromHours(10), TimeSpan.FromHours(14), TimeSpan.FromHours(20), TimeSpan.FromHours(24),
    ];

    /// <summary>The first attempt and one per retry.</summary>
    public static int MaxAttempts => Delays.Count + 1;

    /// <summary>The longest wait a receiver's <c>Retry-After</c> can ask for.</summary>
    public static TimeSpan MaxRetryAfter => Delays[^1];

    /// <summary>The wait before the next attempt after <paramref name="attemptsMade"/> attempts, or null when none is left.</summary>
    /// <param name="unit">A uniform draw from [0, 1): 0 gives −20 %, 1 gives +20 %.</param>
    public static TimeSpan? DelayAfter(int attemptsMade, double unit)
    {
        if (attemptsMade < 1 || attemptsMade >= MaxAttempts)
        {
            return null;
        }

        var factor = 1 - Jitter + (2 * Jitter * Math.Clamp(unit, 0, 1));
        return Delays[attemptsMade - 1] * factor;
    }

    /// <summary>
    /// The wait a <c>429</c> or <c>503</c> asks for in <c>Retry-After</c> (seconds or an HTTP date), at most
    /// <see cref="MaxRetryAfter"/>; null when the header is absent or unreadable.
    /// </summary>
    public static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, DateTimeOffset now)
    {
        var wait = header switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - now,
            _ => (TimeSpan?)null,
        };
        return wait is null ? null : TimeSpan.FromTicks(Math.Clamp(wait.Value.Ticks, 0, MaxRetryAfter.Ticks));
    }
}
