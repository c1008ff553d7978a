using PhoneNumbers;

namespace Cualify.Appliance.Core.Contacts;

/// <summary>Phone numbers through libphonenumber: international input in, E.164 out, and the zones a number rings in.</summary>
public static class PhoneNumberRules
{
    public const string Example = "+919812345678";
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    /// <summary>
    /// Normalises an international number (<c>+91 98123 45678</c>, <c>+1 (202) 555-0123</c>) to E.164,
    /// or returns null when it is not a valid number.
    /// </summary>
    public static string? ToE164(string? input)
    {
        if (string.IsNullOrWhiteSpace(input) || !input.TrimStart().StartsWith('+'))
        {
            return null;
        }

        try
        {
            var number = Util.Parse(input, null);
            return Util.IsValidNumber(number) ? Util.Format(number, PhoneNumberFormat.E164) : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }

    public static string InvalidMessage(string field) => $"{field} must be E.164 — e.g. {Example}";

    /// <summary>The IANA zones a valid E.164 number may ring in (several for countries with many zones).</summary>
    public static IReadOnlyList<TimeZoneInfo> TimeZonesOf(string e164)
    {
        var number = Util.Parse(e164, null);
        var zones = new List<TimeZoneInfo>();
        foreach (var id in PhoneNumberToTimeZonesMapper.GetInstance().GetTimeZonesForNumber(number))
        {
            if (TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone))
            {
                zones.Add(zone);
            }
        }

        return zones;
    }

    /// <summary>The two-letter region of a valid number, such as <c>IN</c> or <c>US</c>.</summary>
    public static string? RegionOf(string e164) => Util.GetRegionCodeForNumber(Util.Parse(e164, null));
}
