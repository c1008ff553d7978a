using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Sequences;
using Cualify.Appliance.LocalApi.Auth;
using Cualify.Appliance.LocalApi.Idempotency;
using Cualify.Appliance.LocalApi.Json;
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
        group.MapPost("/templates", CreateTemplateAsync).WithIdempotency();
        group.MapGet("/templates", ListTemplatesAsync);
        group.MapGet("/templates/{id}", GetTemplateAsync);
        group.MapPatch("/templates/{id}", UpdateTemplateAsync);
        group.MapPost("/start", StartAsync).WithIdempotency();
        group.MapGet("/enrollments/{id}", GetEnrollmentAsync);
        // The review gate is for a person: approving takes an admin key, not the write key that started the sequence.
        group.MapPost("/enrollments/{id}/approve", ApproveAsync).RequireScope(Scope.Admin);
        group.MapPost("/enrollments/{id}/stop", StopAsync);
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

    /// <summary>201 with new ids; 200 with the original ids when the idempotency_key was seen with this same body.</summary>
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
