namespace Cualify.Appliance.Dialer.Tests.Support;

/// <summary>
/// An independent reading of 5-field cron (lists, ranges, steps, <c>*</c>; Sunday as 0 or 7), used as the test
/// oracle for calling hours so the dialer's own cron library is not checked against itself.
/// </summary>
public static class CronOracle
{
    public static bool Allows(string expression, DateTime local)
    {
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var dow = (int)local.DayOfWeek;
        return Matches(fields[0], local.Minute, 0, 59)
            && Matches(fields[1], local.Hour, 0, 23)
            && Matches(fields[2], local.Day, 1, 31)
            && Matches(fields[3], local.Month, 1, 12)
            && (Matches(fields[4], dow, 0, 7) || (dow == 0 && Matches(fields[4], 7, 0, 7)));
    }

    private static bool Matches(string field, int value, int min, int max)
    {
        foreach (var part in field.Split(','))
        {
            var (range, step) = part.Contains('/') ? (part[..part.IndexOf('/')], int.Parse(part[(part.IndexOf('/') + 1)..])) : (part, 1);
            var (from, to) = range == "*" ? (min, max)
                : range.Contains('-') ? (int.Parse(range[..range.IndexOf('-')]), int.Parse(range[(range.IndexOf('-') + 1)..]))
                : (int.Parse(range), part.Contains('/') ? max : int.Parse(range));
            if (value >= from && value <= to && (value - from) % step == 0)
            {
                return true;
            }
        }

        return false;
    }
}
