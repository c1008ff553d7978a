using Cronos;

namespace Cualify.Appliance.Core.Sequences;

/// <summary>
/// A sending window: a cron expression of the minutes in which a step may go out, read in the contact's time
/// zones. A number that spans several zones must be inside the window in every one of them; when the window
/// never opens in all of them at once, the first zone's window rules. These run inside store writes that serve
/// every org at once (a batch of sent mail advances many enrollments), so they never throw for a saved window.
/// </summary>
public static class SendingWindow
{
    /// <summary>The expression parses and opens at some time (not, say, on the 30th of February).</summary>
    public static bool IsValid(string expression)
    {
        try
        {
            var cron = CronExpression.Parse(expression, CronFormat.Standard);
            return cron.GetNextOccurrence(new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc)) is not null;
        }
        catch (CronFormatException)
        {
            return false;
        }
    }

    /// <summary>The first moment at or after <paramref name="from"/> inside the window in every zone (from itself when inside).</summary>
    public static DateTimeOffset NextAllowed(string? expression, IReadOnlyList<TimeZoneInfo> zones, DateTimeOffset from)
    {
        if (string.IsNullOrWhiteSpace(expression) || zones.Count == 0)
        {
            return from;
        }

        var cron = CronExpression.Parse(expression, CronFormat.Standard);
        var candidate = from;
        for (var round = 0; round < 100; round++)
        {
            var moved = candidate;
            foreach (var zone in zones)
            {
                moved = NextAllowed(cron, zone, moved);
            }

            if (moved == candidate)
            {
                return candidate;
            }

            candidate = moved;
        }

        return NextAllowed(cron, zones[0], from);
    }

    private static DateTimeOffset NextAllowed(CronExpression cron, TimeZoneInfo zone, DateTimeOffset from)
    {
        var minute = new DateTimeOffset(from.UtcTicks - from.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
        var next = cron.GetNextOccurrence(minute.UtcDateTime, zone, inclusive: true);
        if (next is null)
        {
            // Only a window stored before save refused windows that never open: treat it as no window.
            return from;
        }

        return next == minute.UtcDateTime ? from : new DateTimeOffset(next.Value, TimeSpan.Zero);
    }

    /// <summary>The zones of a contact: those of their number, else the configured default.</summary>
    public static IReadOnlyList<TimeZoneInfo> ZonesFor(string? phoneE164, TimeZoneInfo fallback)
    {
        if (phoneE164 is not null)
        {
            var zones = Contacts.PhoneNumberRules.TimeZonesOf(phoneE164);
            if (zones.Count > 0)
            {
                return zones;
            }
        }

        return [fallback];
    }
}
