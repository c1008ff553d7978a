using System.Globalization;
using Cualify.Appliance.OperatorConsole.Sessions;
using Cualify.Appliance.Core.Privacy;

namespace Cualify.Appliance.OperatorConsole.Components.Shared;

/// <summary>How values appear on pages: personal data masked below admin scope, durations as m:ss, times in UTC.</summary>
public static class Shown
{
    public static string Phone(ConsoleSession? session, string? e164) =>
        e164 is null ? "—" : session?.SeesPersonalData == true ? e164 : Redact.PhoneNumber(e164);

    public static string Text(ConsoleSession? session, string? text) =>
        text is null ? "—" : session?.SeesPersonalData == true ? text : Redact.Text(text);

    /// <summary>A person's name below admin scope: each word's first letter (<c>Riya Sharma</c> → <c>R… S…</c>).</summary>
    public static string Name(ConsoleSession? session, string? name) =>
        name is null ? "—" : session?.SeesPersonalData == true ? name
            : string.Join(' ', name.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(word => word[..1] + "…"));

    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }

        var minutes = (int)span.TotalMinutes;
        return string.Create(CultureInfo.InvariantCulture, $"{minutes}:{span.Seconds:00}");
    }

    public static string Time(DateTimeOffset? at) =>
        at is null ? "—" : at.Value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static string Paise(long paise) =>
        string.Create(CultureInfo.InvariantCulture, $"{(paise < 0 ? "-" : "")}₹{Math.Abs(paise) / 100m:N2}");
}
