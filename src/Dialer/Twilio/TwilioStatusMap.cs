using System.Globalization;
using Cualify.Appliance.Dialer.Telephony;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>How far a Twilio call has got; a report never moves a call backwards.</summary>
public enum TwilioProgress
{
    Placed = 0,
    Ringing = 1,
    Answered = 2,
    Ended = 3,
}

/// <summary>Twilio's call statuses and errors in the appliance's words: progress, outcomes and stable end reasons.</summary>
public static class TwilioStatusMap
{
    public const string InvalidNumber = "invalid_number";
    public const string UnreachableNumber = "unreachable_number";
    public const string DestinationNotPermitted = "destination_not_permitted";
    public const string DestinationBlocked = "destination_blocked";
    public const string InvalidCallerId = "invalid_caller_id";
    public const string RateLimited = "rate_limited";
    public const string ProviderAuthFailed = "provider_auth_failed";
    public const string TrunkError = "trunk_error";
    public const string ProviderRejected = "provider_rejected";
    public const string ProviderUnreachable = "provider_unreachable";
    public const string ProviderError = "provider_error";
    public const string Rejected = "rejected";
    public const string PlaybookFinished = "playbook_finished";
    public const string PlaybookTooLong = "playbook_too_long";
    public const string RemoteHangup = "remote_hangup";
    public const string Handoff = "handoff";

    /// <summary><c>queued</c>/<c>initiated</c> → placed, <c>ringing</c>, <c>in-progress</c> → answered, the five final ones → ended.</summary>
    public static TwilioProgress? ProgressOf(string? status) => status switch
    {
        "queued" or "initiated" => TwilioProgress.Placed,
        "ringing" => TwilioProgress.Ringing,
        "in-progress" or "answered" => TwilioProgress.Answered,
        "completed" or "busy" or "no-answer" or "failed" or "canceled" => TwilioProgress.Ended,
        _ => null,
    };

    /// <summary>
    /// The end of a call from its final Twilio status. <paramref name="sipResponseCode"/> (status callbacks carry it)
    /// refines <c>failed</c>; <paramref name="requested"/> is the hang-up the appliance asked for, if any.
    /// </summary>
    public static CallEnd EndOf(string status, string? sipResponseCode, string? requested, string answeredEndReason)
    {
        var sip = int.TryParse(sipResponseCode, NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : (int?)null;
        var detail = sip is null ? $"Twilio status {status}" : $"Twilio status {status}, SIP {sip}";
        return status switch
        {
            "completed" => new CallEnd(CallOutcome.Completed, requested ?? answeredEndReason, Detail: detail),
            "busy" => new CallEnd(CallOutcome.Busy, "busy", Detail: detail),
            "no-answer" => new CallEnd(CallOutcome.NoAnswer, "no_answer", Detail: detail),
            "canceled" => new CallEnd(CallOutcome.Canceled, requested ?? "canceled", Detail: detail),
            _ => FailedBySip(sip, detail),
        };
    }

    /// <summary>A call Twilio refused to create, from its error code and HTTP status.</summary>
    public static CallEnd EndOf(TwilioApiException error)
    {
        var detail = error.Code is { } code ? $"Twilio error {code} (HTTP {error.HttpStatus}): {Describe(code)}" : $"Twilio answered HTTP {error.HttpStatus}";
        return (error.Code, error.HttpStatus) switch
        {
            (21211 or 21217, _) => Failed(InvalidNumber, detail),
            (21214, _) => Failed(UnreachableNumber, detail),
            (21215, _) => Failed(DestinationNotPermitted, detail),
            (21216, _) => Failed(DestinationBlocked, detail),
            (21210 or 21212, _) => Failed(InvalidCallerId, detail),
            (20429, _) or (_, 429) => Failed(RateLimited, detail, retryable: true),
            (20003, _) or (_, 401) => Failed(ProviderAuthFailed, detail + "; check Dialer:Twilio:AccountSid and Dialer:Twilio:AuthToken"),
            (_, >= 500) => Failed(TrunkError, detail, retryable: true),
            _ => Failed(ProviderRejected, detail),
        };
    }

    /// <summary>A call whose creation never got an answer from Twilio.</summary>
    public static CallEnd EndOfUnanswered(Exception error) => TwilioResilience.NeverReachedTwilio(error)
        ? Failed(ProviderUnreachable, $"Twilio could not be reached ({error.GetType().Name}); nothing was dialed", retryable: true)
        : Failed(ProviderUnreachable, $"no answer from Twilio ({error.GetType().Name}); not retried, as the call may have been placed");

    /// <summary>The end reason the appliance reports for a hang-up it asked for.</summary>
    public static string EndReasonOf(HangupReason reason) => reason switch
    {
        HangupReason.MaxDurationReached => "max_duration_reached",
        HangupReason.CreditsExhausted => "credits_exhausted",
        HangupReason.PlaybookFinished => PlaybookFinished,
        HangupReason.OptedOut => "opted_out",
        HangupReason.Shutdown => "appliance_shutdown",
        _ => "canceled",
    };

    private static CallEnd FailedBySip(int? sip, string detail) => sip switch
    {
        404 or 484 or 410 or 604 => Failed(InvalidNumber, detail),
        403 or 603 => Failed(Rejected, detail),
        486 or 600 => new CallEnd(CallOutcome.Busy, "busy", Detail: detail),
        480 or 408 or 487 => new CallEnd(CallOutcome.NoAnswer, "no_answer", Detail: detail),
        >= 500 and < 600 => Failed(TrunkError, detail, retryable: true),
        _ => Failed(UnreachableNumber, detail),
    };

    private static string Describe(int code) => code switch
    {
        21211 => "invalid 'To' phone number",
        21217 => "the phone number does not appear to be valid",
        21214 => "the 'To' phone number cannot be reached",
        21215 => "the account's Voice geographic permissions do not allow this destination",
        21216 => "Twilio blocks calls to this number",
        21210 => "the 'From' number is not verified for the account",
        21212 => "invalid 'From' (caller id) number",
        20429 => "too many requests",
        20003 => "authentication failed",
        _ => "see https://www.twilio.com/docs/api/errors/" + code.ToString(CultureInfo.InvariantCulture),
    };

    private static CallEnd Failed(string reason, string detail, bool retryable = false) =>
        new(CallOutcome.Failed, reason, retryable, detail);
}
