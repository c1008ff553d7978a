using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.LocalApi.Auth;
using Cualify.Appliance.LocalApi.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.LocalApi.Orgs;

/// <summary><c>/org</c>: the calling key's own org. Admins change settings; terms stay with the operator.</summary>
public static class OrgEndpoints
{
    public static IEndpointRouteBuilder MapOrg(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/org").WithTags("Org");
        group.MapGet("/", GetAsync)
            .WithSummary("Get the calling org")
            .WithDescription("The calling key's org: settings and terms.");
        group.MapPatch("/", UpdateAsync).RequireScope(Scope.Admin)
            .WithSummary("Change the org's settings")
            .WithDescription("Admin keys change the name, default_caller_id, calling_hours (a cron of allowed minutes in the callee's zone, default `* 9-20 * * 1-6`), max_attempts_per_day, admin_emails, recording_notice and writer_enabled (whether sequence steps with a writer are written by the configured Sequences:Writer endpoint; default true). Credits, rate, plan and limits are the operator's (403 operator_only).");
        return api;
    }

    private static async Task<Ok<DataOf<OrgView>>> GetAsync(HttpContext context, OrgStore orgs) =>
        TypedResults.Ok(Envelopes.Wrap(OrgView.From(await orgs.RequireAsync(context.Caller().OrgId, context.RequestAborted))));

    private static async Task<Ok<DataOf<OrgView>>> UpdateAsync(UpdateOrgRequest request, HttpContext context, OrgStore orgs)
    {
        if (request.FirstOperatorField() is { } field)
        {
            throw ApplianceException.Forbidden("operator_only",
                $"{field} can only be changed by the appliance operator (CLI or an operator key with PATCH /api/v1/orgs/{{id}})", field);
        }

        var org = await orgs.UpdateSettingsAsync(context.Caller().OrgId, request.ToSettingsChange(), context.RequestAborted);
        return TypedResults.Ok(Envelopes.Wrap(OrgView.From(org)));
    }
}
