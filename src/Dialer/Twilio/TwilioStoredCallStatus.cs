using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Dialer.Live;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>
/// A status callback for a Twilio call that is not live in this process — with several nodes behind one load
/// balancer, another node placed it (SPEC §9). The report is applied to the call in the store: ringing, answered,
/// and the final status with Twilio's billed duration, each a conditional update, so the end is recorded once
/// whichever node records it. The placing node finds the call ended at its next report or poll.
/// </summary>
public sealed class TwilioStoredCallStatus(CallReader reader, CallLifecycle lifecycle, TimeProvider time, ILogger<TwilioStoredCallStatus> logger)
{
    /// <summary>Returns whether the call moved.</summary>
    public async Task<bool> ApplyAsync(string callId, string callSid, TwilioCallReport report, CancellationToken cancellationToken)
    {
        var call = await reader.GetAsync(callId, cancellationToken);
        if (call is null || call.Provider != TwilioTelephonyProvider.ProviderName || !CallStatus.Live.Contains(call.Status))
        {
            logger.LogDebug("Twilio reported on call {CallId}, which is not a live Twilio call; ignored", callId);
            return false;
        }

        if (callSid.Length > 0 && call.ProviderCallId is { Length: > 0 } known && known != callSid)
        {
            logger.LogWarning("Twilio reported {CallSid} for call {CallId}, which is {Expected}; ignored", callSid, callId, known);
            return false;
        }

        var now = time.GetUtcNow();
        switch (TwilioStatusMap.ProgressOf(report.Status))
        {
            case TwilioProgress.Ringing:
                return await lifecycle.RingingAsync(callId, now, cancellationToken);
            case TwilioProgress.Answered:
                return await lifecycle.AnsweredAsync(callId, now, cancellationToken) is not null;
            case TwilioProgress.Ended:
                return await EndAsync(call, report, now, cancellationToken);
            default:
                return false;
        }
    }

    private async Task<bool> EndAsync(Call call, TwilioCallReport report, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var answered = call.AnsweredAt is not null;
        if (report.Status == "completed" && !answered)
        {
            // Twilio's completed means the callee answered; its answer time is the end less the billed duration.
            answered = await lifecycle.AnsweredAsync(call.Id, report.AnsweredAt ?? now, cancellationToken) is not null;
        }

        var end = TwilioStatusMap.EndOf(report.Status!, report.SipResponseCode, null, TwilioStatusMap.RemoteHangup);
        var (status, endReason) = HangupReasons.Resolve(end, answered, requested: null);
        var talk = report.DurationSec ?? (call.AnsweredAt is { } at ? (now - at).TotalSeconds : 0);
        var ended = await lifecycle.EndAsync(call.Id,
            new CallFinish(status, endReason, report.EndedAt ?? now, talk, end.Detail, null, end.Retryable, answered ? report.AnsweredAt : null), cancellationToken);
        if (ended is not null)
        {
            logger.LogInformation("Call {CallId}, placed by another node, ended {Status} ({EndReason}) from a Twilio callback to this node",
                call.Id, ended.Status, ended.EndReason);
        }

        return ended is not null;
    }
}
