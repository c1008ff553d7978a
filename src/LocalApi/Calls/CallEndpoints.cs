using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Recordings;
using Cualify.Appliance.LocalApi.Auth;
using Cualify.Appliance.LocalApi.Idempotency;
using Cualify.Appliance.LocalApi.Json;
using Cualify.Appliance.LocalApi.OpenApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.LocalApi.Calls;

/// <summary><c>/calls</c>: place a call, list and read calls with their timelines, cancel one.</summary>
public static class CallEndpoints
{
    public static IEndpointRouteBuilder MapCalls(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/calls").WithTags("Calls");
        group.MapPost("/", CreateAsync).WithIdempotency().WithErrors(402)
            .WithSummary("Place a call")
            .WithDescription("Queues an outbound call to to_e164 playing the playbook agent_id. Checked first: the playbook exists in the org (404, param agent_id), the plan is active (403 no_active_plan), the number is not opted out and has recorded consent (403 opted_out / no_consent), and the balance covers the minimum reservation (402 insufficient_credits). Outside the org's calling hours the call is accepted and scheduled_for names the next allowed moment in the callee's time zone. Statuses move queued, dialing, ringing, in_progress, then one final status: completed, failed, no_answer, busy or canceled.");
        group.MapGet("/", ListAsync)
            .WithSummary("List calls")
            .WithDescription("The org's calls, newest first, filtered by status, agent_id, contact_id and created_after/created_before.");
        group.MapGet("/{id}", GetAsync)
            .WithSummary("Get a call")
            .WithDescription("One call with its transcript and its ordered timeline (queued, dialing, ringing, answered, disclosure_played, dtmf_received, hangup…).");
        group.MapPost("/{id}/cancel", CancelAsync).WithErrors(409)
            .WithSummary("Cancel a call")
            .WithDescription("A queued call is canceled at once (200); a live call is hung up (202) and reaches its final status shortly. A call that already ended cannot be canceled (409).");
        group.MapPost("/{id}/analysis", PostAnalysisAsync).WithErrors(409)
            .WithSummary("Post a call's analysis")
            .WithDescription("What a voice agent or classifier learned about the call: transcript [{speaker: agent|callee, text, at?}], llm_extracted_intent, llm_sentiment, llm_outcome and summary. Accepted while the call is in progress and up to 24 h after it ended (409 otherwise); a later post replaces an earlier one. The fields appear on the call; posted before the end they are part of call.completed, posted after it they are sent as call.analyzed.");
        group.MapPost("/{id}/transfer", TransferAsync).WithErrors(409)
            .WithSummary("Transfer a live call")
            .WithDescription("Transfers an answered call in progress to target (an E.164 number or a sip: URI): a SIP REFER on the appliance's own trunk, a <Dial> on Twilio. Answers 202 once the request is recorded (handoff_requested in the timeline); the call then ends with end_reason handoff, or records handoff_failed and carries on. 409 when the call is not in progress.");
        return api;
    }

    private static async Task<Created<DataOf<QueuedCallView>>> CreateAsync(CreateCallRequest request, HttpContext context, CallPlacement placement)
    {
        var call = await placement.QueueAsync(context.Caller().OrgId, request.ToRequest(), context.RequestAborted);
        return TypedResults.Created($"/api/v1/calls/{call.Id}", Envelopes.Wrap(QueuedCallView.From(call)));
    }

    private static async Task<Ok<ListOf<CallView>>> ListAsync([AsParameters] ListCallsQuery query, HttpContext context, CallReader calls)
    {
        var page = await calls.ListAsync(context.Caller().OrgId, query.ToFilter(), query.ToPage(), context.RequestAborted);
        return TypedResults.Ok(ListOf<CallView>.From(page.Map(CallView.From)));
    }

    /// <summary>A recorded call's <c>recording_url</c> is a freshly minted public link when the box has a public URL.</summary>
    private static async Task<Ok<DataOf<CallDetailView>>> GetAsync(string id, HttpContext context, CallReader calls, CallRecordings recordings)
    {
        var call = await calls.GetAsync(context.Caller().OrgId, id, context.RequestAborted) ?? throw ApplianceException.NotFound("Call", "id");
        var timeline = await calls.TimelineAsync(call.Id, context.RequestAborted);
        var view = CallDetailView.From(call, timeline);
        if (call.RecordingUrl is not null)
        {
            view = view with { RecordingUrl = await recordings.UrlAsync(call.Id, context.RequestAborted) };
        }

        return TypedResults.Ok(Envelopes.Wrap(view));
    }

    private static async Task<Ok<DataOf<CallDetailView>>> PostAnalysisAsync(string id, PostCallAnalysisRequest request, HttpContext context, CallAnalyses analyses, CallReader calls)
    {
        var call = await analyses.PostAsync(context.Caller().OrgId, id, request.ToAnalysis(), context.RequestAborted);
        return TypedResults.Ok(Envelopes.Wrap(CallDetailView.From(call, await calls.TimelineAsync(call.Id, context.RequestAborted))));
    }

    private static async Task<Accepted<DataOf<CallView>>> TransferAsync(string id, TransferCallRequest request, HttpContext context, CallTransfers transfers)
    {
        var call = await transfers.RequestAsync(context.Caller().OrgId, id, request.Target, context.RequestAborted);
        return TypedResults.Accepted($"/api/v1/calls/{call.Id}", Envelopes.Wrap(CallView.From(call)));
    }

    /// <summary>A queued call is canceled at once (200); a live one is being hung up (202) and ends shortly.</summary>
    private static async Task<Results<Ok<DataOf<CallView>>, Accepted<DataOf<CallView>>>> CancelAsync(string id, HttpContext context, CallLifecycle lifecycle)
    {
        var call = await lifecycle.CancelAsync(context.Caller().OrgId, id, context.RequestAborted);
        var view = Envelopes.Wrap(CallView.From(call));
        return call.IsFinal ? TypedResults.Ok(view) : TypedResults.Accepted($"/api/v1/calls/{call.Id}", view);
    }
}
