using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.LocalApi.Auth;
using Cualify.Appliance.LocalApi.Idempotency;
using Cualify.Appliance.LocalApi.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.LocalApi.ApiKeys;

public static class ApiKeyEndpoints
{
    public static IEndpointRouteBuilder MapApiKeys(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/api-keys").WithTags("API keys");
        group.MapPost("/", CreateAsync).RequireScope(Scope.Admin).WithIdempotency()
            .WithSummary("Create an API key")
            .WithDescription("Creates a key for the calling org with scope read, write or admin, an optional IP allowlist (CIDR list), expiry and per-key rate limit. The full key (`key`) is in this answer only; afterwards only its prefix is shown. Operator keys are created with the CLI.");
        group.MapGet("/", ListAsync).RequireScope(Scope.Admin)
            .WithSummary("List API keys")
            .WithDescription("The org's keys, masked (cuk_live_<prefix8>_…), newest first, with scope, allowlist, expiry, revocation and last use.");
        group.MapGet("/check", CheckAsync)
            .WithSummary("Check the calling key")
            .WithDescription("Tells the calling key its org, scope, IP allowlist and rate limits (org, key and the one in effect), and the client address the appliance sees.");
        group.MapDelete("/{id}", RevokeAsync).RequireScope(Scope.Admin)
            .WithSummary("Revoke an API key")
            .WithDescription("Revokes the key at once: its very next request gets 401 unauthorized.");
        return api;
    }

    private static async Task<Created<CreatedApiKeyView>> CreateAsync(CreateApiKeyRequest request, HttpContext context, ApiKeyStore keys)
    {
        if (!Scopes.TryParse(request.Scope, out var scope))
        {
            throw new FieldErrors().Add("scope", "scope must be one of read, write, admin").ToException();
        }

        if (scope == Scope.Operator)
        {
            throw ApplianceException.Forbidden("operator_keys_cli_only", "Operator keys can only be created with the CLI (cualify-appliance keys create --scope operator)", "scope");
        }

        var caller = context.Caller();
        var created = await keys.CreateAsync(caller.OrgId,
            new NewApiKey(request.Name ?? "", scope, request.IpAllowlist, request.ExpiresAt, request.RateLimitPerMinute), context.RequestAborted);
        return TypedResults.Created($"/api/v1/api-keys/{created.Key.Id}", new CreatedApiKeyView(ApiKeyView.From(created.Key), created.FullKey));
    }

    private static async Task<Ok<ListOf<ApiKeyView>>> ListAsync([AsParameters] PageQuery query, HttpContext context, ApiKeyStore keys)
    {
        var page = await keys.ListAsync(context.Caller().OrgId, query.ToPage(), context.RequestAborted);
        return TypedResults.Ok(ListOf<ApiKeyView>.From(page.Map(ApiKeyView.From)));
    }

    private static async Task<Ok<DataOf<KeyCheckView>>> CheckAsync(HttpContext context, OrgStore orgs)
    {
        var caller = context.Caller();
        var org = await orgs.RequireAsync(caller.OrgId, context.RequestAborted);
        var keyLimit = caller.Key.RateLimitPerMinute;
        var limits = new KeyCheckLimits(org.RateLimitPerMinute, keyLimit, Math.Min(org.RateLimitPerMinute, keyLimit ?? int.MaxValue));
        var address = context.Connection.RemoteIpAddress;
        var clientIp = address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4().ToString() : address?.ToString();
        return TypedResults.Ok(Envelopes.Wrap(new KeyCheckView(new KeyCheckOrg(org.Id, org.Name), ApiKeyView.From(caller.Key), limits, clientIp)));
    }

    private static async Task<Ok<DataOf<ApiKeyView>>> RevokeAsync(string id, HttpContext context, ApiKeyStore keys)
    {
        var revoked = await keys.RevokeAsync(context.Caller().OrgId, id, context.RequestAborted);
        return TypedResults.Ok(Envelopes.Wrap(ApiKeyView.From(revoked)));
    }
}
