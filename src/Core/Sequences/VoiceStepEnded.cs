using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Sequences;

/// <summary>
/// The end of a call a voice step placed, recorded in the transaction that settles the call: the step becomes
/// <c>sent</c> when the call was answered and <c>failed</c> when it was not (no answer, busy, failed, refused at
/// dialing), or <c>canceled</c>, with the call's outcome and the moment it was dialed. Then the next step is
/// scheduled after its delay, or the enrollment completes. A callee who opts out during the call (DTMF, or a
/// number refused at dialing as opted out) stops the enrollment as <c>stopped_opt_out</c>.
/// </summary>
public sealed class VoiceStepEnded(EnrollmentStore enrollments) : ICallEndedStep
{
    public async Task CallEndedAsync(StoreTransaction tx, Call ended)
    {
        var step = await tx.QuerySingleOrDefaultAsync<EnrollmentStep>(
            $"SELECT {EnrollmentStore.StepColumns} FROM sequence_steps WHERE call_id = @Id AND status = 'sending'", new { ended.Id });
        if (step is null)
        {
            return;
        }

        var (status, error) = ended.Status switch
        {
            CallStatus.Completed => (StepStatus.Sent, (string?)null),
            CallStatus.Canceled => (StepStatus.Canceled, $"canceled: {ended.EndDetail ?? ended.EndReason}"),
            _ => (StepStatus.Failed, $"{ended.Status}: {ended.EndReason}"),
        };
        await tx.ExecuteAsync("""
            UPDATE sequence_steps SET status = @status, call_outcome = @outcome, sent_at = @StartedAt, last_error = @error WHERE id = @Id
            """, new { status, outcome = ended.Outcome ?? ended.Status, ended.StartedAt, error, step.Id });

        var enrollment = await enrollments.GetAsync(tx, step.EnrollmentId);
        if (enrollment.Status != EnrollmentStatus.Active || ended.EndReason == CallEndReasons.ContactErased)
        {
            return;
        }

        if (ended.Outcome == CallOutcomes.OptedOut || ended.EndReason == CallEndReasons.OptedOut)
        {
            // This step's call was the enrollment's only one in flight and it has just ended: no queued call to cancel.
            await enrollments.EndAsync(tx, enrollment, EnrollmentStatus.StoppedOptOut, "the contact opted out of calls");
            return;
        }

        await enrollments.AdvanceAsync(tx, enrollment, step.Position);
    }
}
