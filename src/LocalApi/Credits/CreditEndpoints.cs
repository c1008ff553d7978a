using Cualify.Appliance.Core.Credits;
using Cualify.Appliance.LocalApi.Auth;
using Cualify.Appliance.LocalApi.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.LocalApi.Credits;

/// <summary><c>/credits</c>: the calling org's balance and ledger, read-only.</summary>
public static class CreditEndpoints
{
    public static IEndpointRouteBuilder MapCredits(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/credits").WithTags("Credits");
        group.MapGet("/", GetAsync)
            .WithSummary("Get the credit balance")
            .WithDescription("The org's balance, reserved and available paise, its per-second rate and billing increment.");
        group.MapGet("/ledger", LedgerAsync)
            .WithSummary("List the credit ledger")
            .WithDescription("Every top-up, reservation, settlement and release, newest first; the balance is always the sum of the ledger.");
        return api;
    }

    private static async Task<Ok<DataOf<CreditsView>>> GetAsync(HttpContext context, CreditLedger ledger) =>
        TypedResults.Ok(Envelopes.Wrap(CreditsView.From(await ledger.SummaryAsync(context.Caller().OrgId, context.RequestAborted))));

    private static async Task<Ok<ListOf<LedgerEntryView>>> LedgerAsync([AsParameters] PageQuery query, HttpContext context, CreditLedger ledger)
    {
        var page = await ledger.LedgerAsync(context.Caller().OrgId, query.ToPage(), context.RequestAborted);
        return TypedResults.Ok(ListOf<LedgerEntryView>.From(page.Map(LedgerEntryView.From)));
    }
}
