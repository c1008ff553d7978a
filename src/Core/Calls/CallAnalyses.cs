using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Json;
using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Calls;

/// <summary>
/// Keeps what an agent or classifier learned about a call: accepted while the call is live and up to
/// <see cref="Window"/> after it ended, a later post replacing an earlier one. Posted before the end it rides on
/// <c>call.completed</c>; posted after, it is announced as <c>call.analyzed</c>, in the same transaction.
/// </summary>
public sealed class CallAnalyses(ApplianceStore store, CallReader reader, EventOutbox outbox)
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    public Task<Call> PostAsync(string orgId, string callId, CallAnalysis analysis, CancellationToken cancellationToken = default)
    {
        analysis.Check();
        return store.WriteAsync(async tx =>
        {
            var call = await reader.GetAsync(tx, orgId, callId) ?? throw ApplianceException.NotFound("Call", "id");
            if (!call.IsFinal && call.Status != CallStatus.InProgress)
            {
                throw ApplianceException.Conflict($"The call is {call.Status}; an analysis is accepted once it is answered");
            }

            if (call.IsFinal && call.EndedAt is { } ended && tx.Now - ended > Window)
            {
                throw ApplianceException.Conflict($"The call ended at {ended:O}; an analysis is accepted up to 24 h after the end");
            }

            await tx.ExecuteAsync("""
                UPDATE calls SET transcript = @transcript, llm_extracted_intent = @LlmExtractedIntent, llm_sentiment = @LlmSentiment,
                                 llm_outcome = @LlmOutcome, summary = @Summary, analyzed_at = @Now, updated_at = @Now
                WHERE id = @Id
                """, new
            {
                transcript = ApplianceJson.Serialize(analysis.Transcript),
                analysis.LlmExtractedIntent,
                analysis.LlmSentiment,
                analysis.LlmOutcome,
                analysis.Summary,
                tx.Now,
                call.Id,
            });
            var analyzed = await reader.GetAsync(tx, call.Id) ?? throw new InvalidOperationException($"Call {call.Id} vanished while being analyzed");
            if (analyzed.IsFinal)
            {
                await outbox.AppendAsync(tx, orgId, CallEvents.Analyzed, AnalyzedCallView.Of(analyzed));
            }

            return analyzed;
        }, cancellationToken);
    }
}
