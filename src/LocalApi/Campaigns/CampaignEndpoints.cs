using Cualify.Appliance.Core.Campaigns;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.LocalApi.Auth;
using Cualify.Appliance.LocalApi.Idempotency;
using Cualify.Appliance.LocalApi.Json;
using Cualify.Appliance.LocalApi.OpenApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.LocalApi.Campaigns;

/// <summary><c>/campaigns</c>: create, list, read with live progress, and start, pause, resume or stop one.</summary>
public static class CampaignEndpoints
{
    private const string Snapshot = " The contacts are chosen when the campaign starts: contacts created or imported later are not added to it.";

    public static IEndpointRouteBuilder MapCampaigns(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/campaigns").WithTags("Campaigns");
        group.MapPost("/", CreateAsync).WithIdempotency()
            .WithSummary("Create a campaign")
            .WithDescription("A draft campaign that either calls every chosen contact with a playbook (agent_id) or enrolls every one in a sequence template (template_id). Contacts are chosen by filter, by import_id or by contact_ids; pacing sets calls_per_minute (default 10) and max_concurrent; retry tries busy and no_answer again after after_minutes, up to max_attempts in all (the first included)." + Snapshot);
        group.MapGet("/", ListAsync)
            .WithSummary("List campaigns")
            .WithDescription("The org's campaigns, newest first, each with its progress, filtered by status.");
        group.MapGet("/{id}", GetAsync)
            .WithSummary("Get a campaign")
            .WithDescription("One campaign with live progress: total = pending + in_flight + the sum of done (completed, busy, no_answer, failed, canceled, opted_out, skipped_no_consent, skipped_no_phone, contact_erased, not_called), retries_scheduled and an eta at the campaign's pace.");
        group.MapPost("/{id}/start", StartAsync).WithErrors(409)
            .WithSummary("Start a campaign")
            .WithDescription("Snapshots the contacts the selection matches now and starts dialing (or enrolling) at the campaign's pace. Every call goes through the same checks as POST /calls: consent, do-not-contact, calling hours, the daily attempt cap, credits and concurrency; contacts that fail a check about the person are skipped and counted." + Snapshot);
        group.MapPost("/{id}/pause", PauseAsync).WithErrors(409)
            .WithSummary("Pause a campaign")
            .WithDescription("Stops new dials at once; live calls finish. A campaign also pauses itself when the credits run out (pause_reason insufficient_credits), the plan is inactive or its playbook was deleted.");
        group.MapPost("/{id}/resume", ResumeAsync).WithErrors(409)
            .WithSummary("Resume a campaign")
            .WithDescription("Continues a paused campaign where it stopped, at its pace.");
        group.MapPost("/{id}/stop", StopAsync).WithErrors(409)
            .WithSummary("Stop a campaign")
            .WithDescription("Ends the campaign for good: its queued calls are canceled, live calls finish, and contacts not yet reached are counted not_called.");
        return api;
    }

    private static async Task<Created<DataOf<CampaignView>>> CreateAsync(CampaignInput request, HttpContext context, CampaignStore campaigns)
    {
        var campaign = await campaigns.CreateAsync(context.Caller().OrgId, request, context.RequestAborted);
        return TypedResults.Created($"/api/v1/campaigns/{campaign.Id}", Envelopes.Wrap(campaign));
    }

    private static async Task<Ok<ListOf<CampaignView>>> ListAsync([AsParameters] ListCampaignsQuery query, HttpContext context, CampaignStore campaigns)
    {
        var page = await campaigns.ListAsync(context.Caller().OrgId, query.ToStatus(), query.ToPage(), context.RequestAborted);
        return TypedResults.Ok(ListOf<CampaignView>.From(page));
    }

    private static async Task<Ok<DataOf<CampaignView>>> GetAsync(string id, HttpContext context, CampaignStore campaigns) =>
        TypedResults.Ok(Envelopes.Wrap(await campaigns.GetViewAsync(context.Caller().OrgId, id, context.RequestAborted)
            ?? throw ApplianceException.NotFound("Campaign", "id")));

    private static async Task<Ok<DataOf<CampaignView>>> StartAsync(string id, HttpContext context, CampaignStore campaigns) =>
        TypedResults.Ok(Envelopes.Wrap(await campaigns.StartAsync(context.Caller().OrgId, id, context.RequestAborted)));

    private static async Task<Ok<DataOf<CampaignView>>> PauseAsync(string id, HttpContext context, CampaignStore campaigns) =>
        TypedResults.Ok(Envelopes.Wrap(await campaigns.PauseAsync(context.Caller().OrgId, id, context.RequestAborted)));

    private static async Task<Ok<DataOf<CampaignView>>> ResumeAsync(string id, HttpContext context, CampaignStore campaigns) =>
        TypedResults.Ok(Envelopes.Wrap(await campaigns.ResumeAsync(context.Caller().OrgId, id, context.RequestAborted)));

    private static async Task<Ok<DataOf<CampaignView>>> StopAsync(string id, HttpContext context, CampaignStore campaigns) =>
        TypedResults.Ok(Envelopes.Wrap(await campaigns.StopAsync(context.Caller().OrgId, id, context.RequestAborted)));
}
