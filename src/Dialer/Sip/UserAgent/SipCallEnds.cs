using Cualify.Appliance.Dialer.Sip.Messages;
using Cualify.Appliance.Dialer.Telephony;

namespace Cualify.Appliance.Dialer.Sip.UserAgent;

/// <summary>How SIP results become call ends, exactly as SPEC §3 lists them for the <c>sip</c> provider.</summary>
public static class SipCallEnds
{
    /// <summary>The end of a call whose INVITE got the final non-2xx <paramref name="response"/>.</summary>
    public static CallEnd ForFinalResponse(SipResponse response)
    {
        var detail = $"SIP {response.StatusCode} {response.Reason}";
        return response.StatusCode switch
        {
            486 or 600 => new CallEnd(CallOutcome.Busy, "busy", Detail: detail),
            480 or 408 or 487 => new CallEnd(CallOutcome.NoAnswer, "no_answer", Detail: detail),
            404 or 484 or 410 or 604 => new CallEnd(CallOutcome.Failed, "invalid_number", Detail: detail),
            403 or 603 => new CallEnd(CallOutcome.Failed, "rejected", Detail: detail),
            488 or 606 => new CallEnd(CallOutcome.Failed, "no_common_codec", Detail: detail),
            401 or 407 => new CallEnd(CallOutcome.Failed, "auth_failed", Detail: detail),
            >= 500 and < 600 => new CallEnd(CallOutcome.Failed, "trunk_error", Retryable: true, Detail: detail),
            _ => new CallEnd(CallOutcome.Failed, "rejected", Detail: detail),
        };
    }

    /// <summary>No response at all (timer B) or the transport refused: the trunk is unreachable, worth a retry.</summary>
    public static CallEnd TrunkUnreachable(string detail) => new(CallOutcome.Failed, "trunk_error", Retryable: true, Detail: detail);

    /// <summary>The trunk's TLS certificate was refused, so nothing was sent; retrying cannot help until the setup changes.</summary>
    public static CallEnd TlsFailed(string detail) => new(CallOutcome.Failed, "tls_failed", Detail: detail);

    /// <summary>The end of an answered call we hung up for <paramref name="reason"/>.</summary>
    public static CallEnd HungUp(HangupReason reason) => new(CallOutcome.Completed, ReasonText(reason));

    /// <summary>The end of a call we stopped before it was answered.</summary>
    public static CallEnd Stopped(HangupReason? reason) => reason is null
        ? new CallEnd(CallOutcome.NoAnswer, "no_answer", Detail: "ring timeout")
        : new CallEnd(CallOutcome.Canceled, ReasonText(reason.Value));

    public static string ReasonText(HangupReason reason) => reason switch
    {
        HangupReason.MaxDurationReached => "max_duration_reached",
        HangupReason.CreditsExhausted => "credits_exhausted",
        HangupReason.PlaybookFinished => "playbook_finished",
        HangupReason.OptedOut => "opted_out",
        HangupReason.Canceled => "canceled",
        HangupReason.Shutdown => "shutdown",
        _ => "hangup",
    };
}
