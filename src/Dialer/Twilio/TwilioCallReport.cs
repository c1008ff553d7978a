using System.Globalization;
using Twilio.Rest.Api.V2010.Account;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>
/// One status report about a call, from a status callback or the Call resource (a poll, a REST answer).
/// <paramref name="DurationSec"/> and <paramref name="EndedAt"/> are what Twilio bills by, on a final report.
/// </summary>
public sealed record TwilioCallReport(string? Status, string? SipResponseCode = null, int? DurationSec = null, DateTimeOffset? EndedAt = null)
{
    /// <summary>When the callee answered, by Twilio's clock: the end less the billed duration.</summary>
    public DateTimeOffset? AnsweredAt => DurationSec is { } seconds && EndedAt is { } end ? end.AddSeconds(-seconds) : null;

    /// <summary>From the Call resource: <c>status</c>, <c>duration</c> and <c>end_time</c>.</summary>
    public static TwilioCallReport Of(CallResource resource) =>
        new(resource.Status?.ToString(), null, Seconds(resource.Duration), resource.EndTime is { } end ? Utc(end) : null);

    /// <summary>From a status callback: <c>CallStatus</c>, <c>SipResponseCode</c>, <c>CallDuration</c> and <c>Timestamp</c>.</summary>
    public static TwilioCallReport Of(IReadOnlyDictionary<string, string> form)
    {
        var status = form.GetValueOrDefault("CallStatus");
        var final = TwilioStatusMap.ProgressOf(status) == TwilioProgress.Ended;
        var at = DateTimeOffset.TryParse(form.GetValueOrDefault("Timestamp"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var stamp) ? stamp : (DateTimeOffset?)null;
        return new(status, form.GetValueOrDefault("SipResponseCode"), final ? Seconds(form.GetValueOrDefault("CallDuration")) : null, final ? at : null);
    }

    private static int? Seconds(string? text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? seconds : null;

    private static DateTimeOffset Utc(DateTime time) => time.Kind == DateTimeKind.Unspecified
        ? new DateTimeOffset(time, TimeSpan.Zero)
        : new DateTimeOffset(time.ToUniversalTime(), TimeSpan.Zero);
}
