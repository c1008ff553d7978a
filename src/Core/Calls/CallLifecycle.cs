using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Calls;

/// <summary>
/// Records what happens to a dialed call, each step in its own transaction with its timeline entry and event:
/// ringing, answered, timeline entries, a DTMF opt-out, the end with its settlement, and cancel requests from
/// the API. Every status move is a conditional update, so a late or repeated report changes nothing.
/// </summary>
public sealed class CallLifecycle(
    ApplianceStore store,
    CallReader reader,
    CallSettlement settlement,
    EventOutbox outbox,
    ContactStore contacts,
    CallHangups hangups)
{
    private static readonly string[] LiveStatuses = [.. CallStatus.Live];

    public Task SetProviderCallIdAsync(string callId, string providerCallId, CancellationToken cancellationToken = default) =>
        store.WriteAsync(tx => tx.ExecuteAsync(
            "UPDATE calls SET provider_call_id = @providerCallId, updated_at = @Now WHERE id = @callId",
            new { providerCallId, tx.Now, callId }), cancellationToken);

    /// <summary><c>dialing → ringing</c>; false when the call is past that.</summary>
    public Task<bool> RingingAsync(string callId, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var moved = await tx.ExecuteAsync(
                "UPDATE calls SET status = 'ringing', last_seen_at = @at, updated_at = @Now WHERE id = @callId AND status = 'dialing'",
                new { at, tx.Now, callId });
            if (moved > 0)
            {
                await CallTimeline.AppendAsync(tx, callId, CallTimelineType.Ringing, at);
            }

            return moved > 0;
        }, cancellationToken);

    /// <summary><c>dialing|ringing → in_progress</c> with <c>call.answered</c>; null when the call is past that.</summary>
    public Task<Call?> AnsweredAsync(string callId, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var moved = await tx.ExecuteAsync("""
                UPDATE calls SET status = 'in_progress', answered_at = @at, last_seen_at = @at, updated_at = @Now
                WHERE id = @callId AND status IN ('dialing', 'ringing')
                """, new { at, tx.Now, callId });
            if (moved == 0)
            {
                return null;
            }

            await CallTimeline.AppendAsync(tx, callId, CallTimelineType.Answered, at);
            var call = await reader.GetAsync(tx, callId);
            await outbox.AppendAsync(tx, call!.OrgId, CallEvents.Answered, CallView.From(call));
            return call;
        }, cancellationToken);

    /// <summary>Adds a timeline entry to a call that is still live.</summary>
    public Task AppendTimelineAsync(string callId, string type, DateTimeOffset at, object? data = null, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var live = await tx.ExecuteAsync(
                "UPDATE calls SET last_seen_at = @at, updated_at = @Now WHERE id = @callId AND status IN @LiveStatuses",
                new { at, tx.Now, callId, LiveStatuses });
            if (live > 0)
            {
                await CallTimeline.AppendAsync(tx, callId, type, at, data);
            }
        }, cancellationToken);

    /// <summary>The callee asked not to be called again: their voice opt-out and the <c>opted_out</c> entry, together.</summary>
    public Task OptOutAsync(string callId, DateTimeOffset at, string source, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var call = await reader.GetAsync(tx, callId) ?? throw ApplianceException.NotFound("Call");
            if (call.ToE164 is not null)
            {
                var contact = await contacts.FindByPhoneAsync(tx, call.OrgId, call.ToE164);
                if (contact is not null)
                {
                    await contacts.OptOutAsync(tx, contact, ContactChannel.Voice, source);
                }
                else
                {
                    await DoNotContactList.AddAsync(tx, call.OrgId, ContactChannel.Voice, call.ToE164, "opted_out");
                }
            }

            await CallTimeline.AppendAsync(tx, callId, CallTimelineType.OptedOut, at, new { source });
        }, cancellationToken);

    /// <summary>Ends the call and settles it; null when it had already ended.</summary>
    public Task<Call?> EndAsync(string callId, CallFinish finish, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var call = await reader.GetAsync(tx, callId);
            return call is null || call.IsFinal ? null : await settlement.FinishAsync(tx, call, finish);
        }, cancellationToken);

    /// <summary>Marks live calls as still up, so that a crash bills them up to here and no further.</summary>
    public Task HeartbeatAsync(IReadOnlyCollection<string> callIds, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        callIds.Count == 0
            ? Task.CompletedTask
            : store.WriteAsync(tx => tx.ExecuteAsync(
                "UPDATE calls SET last_seen_at = @at WHERE id IN @callIds AND status IN @LiveStatuses AND (last_seen_at IS NULL OR last_seen_at < @at)",
                new { at, callIds, LiveStatuses }), cancellationToken);

    /// <summary>
    /// Cancels a queued call at once (<c>canceled</c>); for a live one records the request and asks the dialer to
    /// hang up (a ringing call ends <c>canceled</c>, an answered one <c>completed</c> with end reason
    /// <c>canceled</c>). A call that already ended is a conflict.
    /// </summary>
    public Task<Call> CancelAsync(string orgId, string callId, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var call = await reader.LockAsync(tx, orgId, callId) ?? throw ApplianceException.NotFound("Call", "id");
            if (call.IsFinal)
            {
                throw ApplianceException.Conflict($"The call already ended ({call.Status}); there is nothing to cancel");
            }

            if (call.Status == CallStatus.Queued)
            {
                return await settlement.FinishAsync(tx, call, new CallFinish(CallStatus.Canceled, CallEndReasons.Canceled, tx.Now))
                    ?? throw new InvalidOperationException($"Call {call.Id} could not be canceled");
            }

            await tx.ExecuteAsync("UPDATE calls SET cancel_requested_at = coalesce(cancel_requested_at, @Now), updated_at = @Now WHERE id = @callId",
                new { tx.Now, callId });
            hangups.RequestAfterCommit(tx, new HangupRequest(callId, CallEndReasons.Canceled));
            return await reader.GetAsync(tx, callId) ?? call;
        }, cancellationToken);
}
