using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Calls;

/// <summary>A request to transfer a live call, raised after the timeline entry that records it has committed.</summary>
public sealed record TransferRequest(string CallId, string Target);

/// <summary>
/// <c>POST /calls/{id}/transfer</c>: checks the call is live and the target is a number or SIP URI, records
/// <c>handoff_requested</c>, and asks the dialer (through <see cref="Requested"/>) to transfer it (SIP REFER, Twilio
/// &lt;Dial&gt;). How the transfer goes is the call's to report: it ends <c>handoff</c> or records <c>handoff_failed</c>.
/// </summary>
public sealed class CallTransfers(ApplianceStore store, CallReader reader)
{
    public event Action<TransferRequest>? Requested;

    public Task<Call> RequestAsync(string orgId, string callId, string? target, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(target) || !PlaybookRules.IsHandoffTarget(target))
        {
            throw new FieldErrors().Add("target", "target must be an E.164 number (e.g. +919812345678) or a sip: URI").ToException();
        }

        var normalized = PlaybookRules.NormalizeHandoffTarget(target)!;
        return store.WriteAsync(async tx =>
        {
            var call = await reader.GetAsync(tx, orgId, callId) ?? throw ApplianceException.NotFound("Call", "id");
            if (call.Status != CallStatus.InProgress)
            {
                throw ApplianceException.Conflict($"The call is {call.Status}, not live; only an answered call in progress can be transferred");
            }

            await CallTimeline.AppendAsync(tx, call.Id, CallTimelineType.HandoffRequested, tx.Now, new { target = normalized, requested_by = "api" });
            tx.AfterCommit(() => Requested?.Invoke(new TransferRequest(call.Id, normalized)));
            return call;
        }, cancellationToken);
    }
}
