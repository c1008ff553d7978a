using System.Collections.Concurrent;
using Cronos;
using Cualify.Appliance.Core.Contacts;

namespace Cualify.Appliance.Core.Calls;

/// <summary>
/// An org's calling hours: a 5-field cron expression of the minutes in which calls may start, read in the
/// callee's local time. A number that may ring in several zones (libphonenumber maps some prefixes to more than
/// one) is callable only in a minute that is allowed in every one of them.
/// </summary>
public sealed class CallingHours
{
    /// <summary>09:00–20:59, Monday to Saturday: inside both the US (08–21) and the Indian (09–21) rules.</summary>
    public const string Default = "* 9-20 * * 1-6";

    private const int MaxSteps = 5_000;
    private static readonly TimeSpan Horizon = TimeSpan.FromDays(400);
    private const int ZoneCacheSize = 100_000;
    private static readonly ConcurrentDictionary<string, CronExpression> Parsed = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, IReadOnlyList<TimeZoneInfo>> ZonesByNumber = new(StringComparer.Ordinal);
    private readonly CronExpression _expression;

    private CallingHours(string expression, CronExpression parsed)
    {
        Expression = expression;
        _expression = parsed;
    }

    public string Expression { get; }

    /// <summary>Parses <paramref name="expression"/>; throws <see cref="CronFormatException"/> when it is not standard cron.</summary>
    public static CallingHours Parse(string expression)
    {
        var trimmed = expression.Trim();
        return new CallingHours(trimmed, Parsed.GetOrAdd(trimmed, e => CronExpression.Parse(e, CronFormat.Standard)));
    }

    /// <summary>
    /// The zones a number rings in, from its prefix. A number libphonenumber cannot place gets UTC, so the rule
    /// still applies in a predictable way.
    /// </summary>
    public static IReadOnlyList<TimeZoneInfo> ZonesOf(string e164)
    {
        if (ZonesByNumber.TryGetValue(e164, out var known))
        {
            return known;
        }

        var zones = PhoneNumberRules.TimeZonesOf(e164);
        IReadOnlyList<TimeZoneInfo> result = zones.Count == 0 ? [TimeZoneInfo.Utc] : zones;
        if (ZonesByNumber.Count >= ZoneCacheSize)
        {
            ZonesByNumber.Clear();
        }

        ZonesByNumber[e164] = result;
        return result;
    }

    /// <summary>Whether <paramref name="instant"/> falls in an allowed minute in every zone.</summary>
    public bool Allows(DateTimeOffset instant, IReadOnlyList<TimeZoneInfo> zones)
    {
        var minute = FloorMinute(instant);
        foreach (var zone in zones)
        {
            if (_expression.GetNextOccurrence(minute, zone, inclusive: true) != minute)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The first moment at or after <paramref name="from"/> that is allowed in every zone: <paramref name="from"/>
    /// itself when it is allowed, else the start of the next allowed minute. Null when there is none within
    /// 400 days (an expression that never matches, or zones whose windows never overlap).
    /// </summary>
    public DateTimeOffset? NextAllowed(DateTimeOffset from, IReadOnlyList<TimeZoneInfo> zones)
    {
        var candidate = from.ToUniversalTime();
        for (var step = 0; step < MaxSteps && candidate - from < Horizon; step++)
        {
            var minute = FloorMinute(candidate);
            var latest = minute;
            foreach (var zone in zones)
            {
                var next = _expression.GetNextOccurrence(minute, zone, inclusive: true);
                if (next is null)
                {
                    return null;
                }

                if (next.Value > latest)
                {
                    latest = next.Value;
                }
            }

            if (latest == minute)
            {
                return candidate;
            }

            candidate = latest.ToUniversalTime();
        }

        return null;
    }

    private static DateTimeOffset FloorMinute(DateTimeOffset instant)
    {
        var utc = instant.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - utc.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
    }
}
