using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Sequences;
using Cualify.Appliance.LocalApi.Auth;
using Cualify.Appliance.LocalApi.Idempotency;
using Cualify.Appliance.LocalApi.Json;
using Cualify.Appliance.LocalApi.OpenApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.LocalApi.Sequences;

/// <summary>Sequence templates, <c>sequences/start</c>, enrollments (status, approve, stop).</summary>
public static class SequenceEndpoints
{
    public static IEndpointRouteBuilder MapSequences(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/sequences").WithTags("Sequences");
        group.MapPost("/templates", CreateTemplateAsync).WithIdempotency()
            .WithSummary("Create a sequence template")
            .WithDescription("Steps (email or voice) with delays, optional variants per language, a sending window (cron of the minutes mail may leave) and whether a reply stops the sequence. An email step may carry writer.instructions (Liquid over the contact, checked at save) so that the configured Sequences:Writer writes its subject and body for each contact; its fixed subject and body, when set, are the fallback.");
        group.MapGet("/templates", ListTemplatesAsync)
            .WithSummary("List sequence templates")
            .WithDescription("The org's templates, newest first.");
        group.MapGet("/templates/{id}", GetTemplateAsync)
            .WithSummary("Get a sequence template")
            .WithDescription("One template (tpl_…).");
        group.MapPatch("/templates/{id}", UpdateTemplateAsync)
            .WithSummary("Replace a sequence template")
            .WithDescription("Replaces the template's definition; enrollments already running keep the steps they were given.");
        group.MapPost("/start", StartAsync).WithIdempotency()
            .WithSummary("Start a sequence")
            .WithDescription("Upserts the contact and enrolls it in the template. The enrollment waits in pending_review for an admin's approval unless auto_approve is set. Steps with a writer are written now, each within Sequences:Writer:Timeout; a step not written uses its fixed text (fallback_reason on the step), and an auto-approved start whose first step has neither waits in pending_review. A repeat with the same idempotency_key returns the original ids (200) and creates nothing, whatever its body; the Idempotency-Key header keeps its 409 for another body.");
        group.MapGet("/enrollments/{id}", GetEnrollmentAsync)
            .WithSummary("Get an enrollment")
            .WithDescription("One enrollment (enr_…) with each step's status, schedule and outcome, its text, and for a step with a writer written_by {model, prompt_sha256} or fallback_reason (timeout, error, refused, unusable) with fallback_detail.");
        // The review gate is for a person: approving takes an admin key, not the write key that started the sequence.
        group.MapPost("/enrollments/{id}/approve", ApproveAsync).RequireScope(Scope.Admin).WithErrors(409)
            .WithSummary("Approve an enrollment")
            .WithDescription("Admin only: releases a pending_review enrollment so its first step is scheduled.");
        group.MapPost("/enrollments/{id}/stop", StopAsync)
            .WithSummary("Stop an enrollment")
            .WithDescription("Cancels the enrollment's remaining steps.");
        group.MapMailLinks();
        return api;
    }

    private static async Task<Created<DataOf<SequenceTemplateView>>> CreateTemplateAsync(TemplateInput request, HttpContext context, SequenceTemplateStore templates)
    {
        var template = await templates.CreateAsync(context.Caller().OrgId, request, context.RequestAborted);
        return TypedResults.Created($"/api/v1/sequences/templates/{template.Id}", Envelopes.Wrap(SequenceTemplateView.From(template)));
    }

    private static async Task<Ok<ListOf<SequenceTemplateView>>> ListTemplatesAsync([AsParameters] ListTemplatesQuery query, HttpContext context, SequenceTemplateStore templates)
    {
        var page = await templates.ListAsync(context.Caller().OrgId, query.ToPage(), context.RequestAborted);
        return TypedResults.Ok(ListOf<SequenceTemplateView>.From(page.Map(SequenceTemplateView.From)));
    }

    private static async Task<Ok<DataOf<SequenceTemplateView>>> GetTemplateAsync(string id, HttpContext context, SequenceTemplateStore templates)
    {
        var template = await templates.GetAsync(context.Caller().OrgId, id, context.RequestAborted) ?? throw ApplianceException.NotFound("Sequence template", "id");
        return TypedResults.Ok(Envelopes.Wrap(SequenceTemplateView.From(template)));
    }

    private static async Task<Ok<DataOf<SequenceTemplateView>>> UpdateTemplateAsync(string id, TemplateInput request, HttpContext context, SequenceTemplateStore templates)
    {
        var template = await templates.UpdateAsync(context.Caller().OrgId, id, request, context.RequestAborted);
        return TypedResults.Ok(Envelopes.Wrap(SequenceTemplateView.From(template)));
    }

    /// <summary>201 with new ids; 200 with the original ids when the idempotency_key was seen before, whatever the body.</summary>
    private static async Task<Results<Created<DataOf<SequenceStartView>>, Ok<DataOf<SequenceStartView>>>> StartAsync(
        SequenceStartInput request, HttpContext context, SequenceStarter starter)
    {
        var result = await starter.StartAsync(context.Caller().OrgId, request, context.RequestAborted);
        var body = Envelopes.Wrap(SequenceStartView.From(result));
        return result.Created
            ? TypedResults.Created($"/api/v1/sequences/enrollments/{result.EnrollmentId}", body)
            : TypedResults.Ok(body);
    }

    private static async Task<Ok<DataOf<EnrollmentView>>> GetEnrollmentAsync(string id, HttpContext context, EnrollmentStore enrollments)
    {
        var view = await enrollments.ViewAsync(context.Caller().OrgId, id, context.RequestAborted) ?? throw ApplianceException.NotFound("Enrollment", "id");
        return TypedResults.Ok(Envelopes.Wrap(view));
    }

    private static async Task<Ok<DataOf<EnrollmentView>>> ApproveAsync(string id, HttpContext context, EnrollmentStore enrollments) =>
        TypedResults.Ok(Envelopes.Wrap(await enrollments.ApproveAsync(context.Caller().OrgId, id, context.RequestAborted)));

    private static async Task<Ok<DataOf<EnrollmentView>>> StopAsync(string id, HttpContext context, EnrollmentStop stop) =>
        TypedResults.Ok(Envelopes.Wrap(await stop.StopAsync(context.Caller().OrgId, id, context.RequestAborted)));
}
