using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Sip.UserAgent;

/// <summary>The log lines every call writes, as source-generated messages (no work when the level is off).</summary>
internal static partial class SipCallLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId} dialing {To} via SIP (Call-ID {SipCallId})")]
    public static partial void Dialing(ILogger logger, string callId, string to, string sipCallId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId} answered ({Codec})")]
    public static partial void Answered(ILogger logger, string callId, string codec);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId} ended: {Outcome} ({EndReason}) {Detail}")]
    public static partial void Ended(ILogger logger, string callId, Telephony.CallOutcome outcome, string endReason, string? detail);
}
