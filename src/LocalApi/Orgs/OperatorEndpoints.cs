using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Credits;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.LocalApi.Auth;
using Cualify.Appliance.LocalApi.Credits;
using Cualify.Appliance.LocalApi.Idempotency;
using Cualify.Appliance.LocalApi.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.LocalApi.Orgs;

/// <summary><c>/orgs</c>: what whoever runs the box does across all orgs. Operator keys only.</summary>
public static class OperatorEndpoints
{
    public static IEndpointRouteBuilder MapOperatorOrgs(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/orgs").WithTags("Operator").RequireScope(Scope.Operator);
        group.MapPost("/", CreateAsync).WithIdempotency()
            .WithSummary("Create an org")
            .WithDescription("Operator only. Creates an org and its first admin key (admin_key, shown only in this answer).");
        group.MapGet("/", ListAsync)
            .WithSummary("List orgs")
            .WithDescription("Operator only. Every org on the appliance with its plan, rate, limits and balance.");
        group.MapGet("/{id}", GetAsync)
            .WithSummary("Get an org")
            .WithDescription("Operator only. One org with its terms and balance.");
        group.MapPatch("/{id}", UpdateAsync)
            .WithSummary("Change an org's terms")
            .WithDescription("Operator only. Plan (active/inactive), rate_paise_per_sec, billing_increment_sec, max_concurrent_calls, calls_per_second, rate_limit_per_minute, and the org's own settings. Fields left out stay as they are.");
        group.MapPost("/{id}/credits/topups", TopUpAsync).WithIdempotency()
            .WithSummary("Top up an org's credits")
            .WithDescription("Operator only. Adds amount_paise to the org's balance with a reference, recorded in its ledger.");
        return api;
    }

    private static async Task<Created<CreatedOrgView>> CreateAsync(CreateOrgRequest request, HttpContext context, ApplianceStore store, OrgStore orgs, ApiKeyStore keys)
    {
        var (org, key) = await store.WriteAsync(async tx =>
        {
            var org = await orgs.CreateAsync(tx, request.Name ?? "");
            var key = await keys.CreateAsync(tx, org.Id, new NewApiKey("first admin key", Scope.Admin));
            return (org, key);
        }, context.RequestAborted);
        return TypedResults.Created($"/api/v1/orgs/{org.Id}", new CreatedOrgView(OrgView.From(org), key.FullKey));
    }

    private static async Task<Ok<ListOf<OrgView>>> ListAsync([AsParameters] PageQuery query, HttpContext context, OrgStore orgs)
    {
        var page = await orgs.ListAsync(query.ToPage(), context.RequestAborted);
        return TypedResults.Ok(ListOf<OrgView>.From(page.Map(OrgView.From)));
    }

    private static async Task<Ok<DataOf<OrgView>>> GetAsync(string id, HttpContext context, OrgStore orgs) =>
        TypedResults.Ok(Envelopes.Wrap(OrgView.From(await orgs.RequireAsync(id, context.RequestAborted))));

    private static async Task<Ok<DataOf<OrgView>>> UpdateAsync(string id, UpdateOrgTermsRequest request, HttpContext context, OrgStore orgs)
    {
        await orgs.RequireAsync(id, context.RequestAborted);
        if (request.Name is not null || request.CallingHours is not null || request.MaxAttemptsPerDay is not null || request.AdminEmails is not null)
        {
            await orgs.UpdateSettingsAsync(id, new OrgSettingsChange(request.Name, null, false, request.CallingHours, request.MaxAttemptsPerDay, request.AdminEmails), context.RequestAborted);
        }

        var org = await orgs.UpdateTermsAsync(id, new OrgTermsChange(
            request.Plan, request.RatePaisePerSec, request.BillingIncrementSec, request.MaxConcurrentCalls, request.CallsPerSecond, request.RateLimitPerMinute), context.RequestAborted);
        return TypedResults.Ok(Envelopes.Wrap(OrgView.From(org)));
    }

    private static async Task<Created<TopUpView>> TopUpAsync(string id, TopUpRequest request, HttpContext context, OrgStore orgs, CreditLedger ledger)
    {
        await orgs.RequireAsync(id, context.RequestAborted);
        if (request.AmountPaise is null)
        {
            throw new FieldErrors().Add("amount_paise", "amount_paise is required: a positive whole number of paise").ToException();
        }

        var entry = await ledger.TopUpAsync(id, request.AmountPaise.Value, request.Reference, context.RequestAborted);
        var summary = await ledger.SummaryAsync(id, context.RequestAborted);
        return TypedResults.Created($"/api/v1/orgs/{id}/credits/topups/{entry.Id}", new TopUpView(LedgerEntryView.From(entry), CreditsView.From(summary)));
    }
}
