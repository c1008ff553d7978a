using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Dialer.Telephony;

namespace Cualify.Appliance.Dialer.Live;

/// <summary>The dialer's own reasons for ending a call, and how each is asked of the provider.</summary>
internal static class HangupReasons
{
    public static HangupReason ForProvider(string endReason) => endReason switch
    {
        CallEndReasons.MaxDurationReached => HangupReason.MaxDurationReached,
        CallEndReasons.CreditsExhausted => HangupReason.CreditsExhausted,
        CallEndReasons.OptedOut => HangupReason.OptedOut,
        CallEndReasons.ApplianceShutdown => HangupReason.Shutdown,
        _ => HangupReason.Canceled,
    };

    public static string EndReasonOf(HangupReason reason) => reason switch
    {
        HangupReason.MaxDurationReached => CallEndReasons.MaxDurationReached,
        HangupReason.CreditsExhausted => CallEndReasons.CreditsExhausted,
        HangupReason.PlaybookFinished => "playbook_finished",
        HangupReason.OptedOut => CallEndReasons.OptedOut,
        HangupReason.Shutdown => CallEndReasons.ApplianceShutdown,
        _ => CallEndReasons.Canceled,
    };

    /// <summary>
    /// The final status and reason of a call from what the provider reported and what the dialer asked for.
    /// An answered call always completes; otherwise the dialer's own reason (a cancel, the ring guard) wins.
    /// </summary>
    public static (string Status, string EndReason) Resolve(CallEnd end, bool answered, string? requested)
    {
        if (answered)
        {
            return (CallStatus.Completed, requested ?? (string.IsNullOrEmpty(end.EndReason) ? CallEndReasons.RemoteHangup : end.EndReason));
        }

        var status = requested switch
        {
            CallEndReasons.NoAnswer => CallStatus.NoAnswer,
            CallEndReasons.Canceled or CallEndReasons.ContactErased => CallStatus.Canceled,
            CallEndReasons.ApplianceShutdown or CallEndReasons.ProviderUnresponsive => CallStatus.Failed,
            _ => end.Outcome switch
            {
                CallOutcome.NoAnswer => CallStatus.NoAnswer,
                CallOutcome.Busy => CallStatus.Busy,
                CallOutcome.Canceled => CallStatus.Canceled,
                _ => CallStatus.Failed,
            },
        };
        return (status, requested ?? (string.IsNullOrEmpty(end.EndReason) ? status : end.EndReason));
    }
}
