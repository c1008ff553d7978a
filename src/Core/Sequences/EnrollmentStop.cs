using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Sequences;

/// <summary>
/// Stops enrollments from outside their own voice step (the API, a reply, an unsubscribe, a bounce, an email
/// opt-out): each is ended, and the call of a voice step still waiting in the dial queue is canceled in the same
/// transaction, so nobody is called after they replied or the sequence was stopped. A call already ringing or
/// talking finishes and is recorded. The call settlement reports back through <see cref="VoiceStepEnded"/>,
/// which needs only <see cref="EnrollmentStore"/>: the two directions meet here, not in a cycle.
/// </summary>
public sealed class EnrollmentStop(ApplianceStore store, EnrollmentStore enrollments, CallSettlement settlement)
{
    /// <summary>Stops the enrollment at the caller's request (<c>canceled</c>); an ended one is returned as it is.</summary>
    public Task<EnrollmentView> StopAsync(string orgId, string id, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var enrollment = await enrollments.GetAsync(tx, orgId, id) ?? throw ApplianceException.NotFound("Enrollment", "id");
            if (EnrollmentStatus.IsOpen(enrollment.Status))
            {
                enrollment = await StopAsync(tx, enrollment, EnrollmentStatus.Canceled, "stopped through the API");
            }

            return await enrollments.ViewAsync(tx, enrollment);
        }, cancellationToken);

    /// <summary>Ends an open enrollment and cancels its queued call; an ended one is returned as it is.</summary>
    public async Task<Enrollment> StopAsync(StoreTransaction tx, Enrollment enrollment, string status, string reason)
    {
        var (ended, changed) = await enrollments.EndAsync(tx, enrollment, status, reason);
        if (!changed)
        {
            return ended;
        }

        var queuedCalls = await tx.QueryAsync<Call>($"""
            SELECT {Call.Columns} FROM calls
            WHERE id IN (SELECT call_id FROM sequence_steps WHERE enrollment_id = @Id AND status = 'sending' AND call_id IS NOT NULL)
              AND status = 'queued'{tx.Dialect.ForUpdate}
            """, new { enrollment.Id });
        foreach (var call in queuedCalls)
        {
            await settlement.FinishAsync(tx, call, new CallFinish(CallStatus.Canceled, CallEndReasons.Canceled, tx.Now,
                Detail: $"the sequence enrollment ended ({status})"));
        }

        return ended;
    }

    /// <summary>Stops every open enrollment of a contact (an opt-out, an undeliverable address).</summary>
    public async Task StopAllForContactAsync(StoreTransaction tx, string contactId, string status, string reason)
    {
        foreach (var enrollment in await enrollments.OpenForContactAsync(tx, contactId))
        {
            await StopAsync(tx, enrollment, status, reason);
        }
    }
}
