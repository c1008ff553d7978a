using Cualify.Appliance.LocalApi.ApiKeys;
using Cualify.Appliance.LocalApi.Auth;
using Cualify.Appliance.LocalApi.Calls;
using Cualify.Appliance.LocalApi.Campaigns;
using Cualify.Appliance.LocalApi.Connectors;
using Cualify.Appliance.LocalApi.Contacts;
using Cualify.Appliance.LocalApi.Credits;
using Cualify.Appliance.LocalApi.Docs;
using Cualify.Appliance.LocalApi.Errors;
using Cualify.Appliance.LocalApi.Events;
using Cualify.Appliance.LocalApi.Health;
using Cualify.Appliance.LocalApi.Idempotency;
using Cualify.Appliance.LocalApi.Json;
using Cualify.Appliance.LocalApi.Limits;
using Cualify.Appliance.LocalApi.OpenApi;
using Cualify.Appliance.LocalApi.Orgs;
using Cualify.Appliance.LocalApi.Playbooks;
using Cualify.Appliance.LocalApi.Providers;
using Cualify.Appliance.LocalApi.RateLimits;
using Cualify.Appliance.LocalApi.Sequences;
using Cualify.Appliance.LocalApi.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.LocalApi;

public static class LocalApiPipeline
{
    /// <summary>The request pipeline (errors → size limits → routing → key → limits → scope → JSON body check → idempotency) and every endpoint.</summary>
    /// <param name="afterRouting">Middleware of other front ends on the same port (the console) that needs the routed endpoint.</param>
    public static WebApplication UseLocalApi(this WebApplication app, Action<IApplicationBuilder>? afterRouting = null)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = ApiErrors.HandleExceptionAsync,
            // Expected failures are answered, not logged as crashes; ApiErrors logs the unexpected ones itself.
            SuppressDiagnosticsCallback = _ => true,
        });
        app.UseStatusCodePages(ApiErrors.WriteStatusCodeAsync);
        app.UseMiddleware<RequestSizeMiddleware>();
        app.UseRouting();
        afterRouting?.Invoke(app);
        app.UseMiddleware<HttpMetricsMiddleware>();
        app.UseMiddleware<ApiKeyMiddleware>();
        app.UseMiddleware<RateLimitMiddleware>();
        app.UseMiddleware<ScopeMiddleware>();
        app.UseMiddleware<JsonBodyMiddleware>();
        app.UseMiddleware<IdempotencyMiddleware>();

        app.MapGroup("").DeclareErrorResponses().MapHealth();
        app.MapPeerRecordings();
        app.MapDocs();
        app.MapApplianceOpenApi();
        app.MapGroup(ApiKeyMiddleware.ApiPrefix).DeclareErrorResponses().MapApiV1();
        return app;
    }

    private static IEndpointRouteBuilder MapApiV1(this IEndpointRouteBuilder api) => api
        .MapApiKeys()
        .MapOrg()
        .MapOperatorOrgs()
        .MapCredits()
        .MapContacts()
        .MapContactImports()
        .MapPlaybooks()
        .MapCalls()
        .MapRecordings()
        .MapWebhooks()
        .MapEvents()
        .MapSequences()
        .MapCampaigns()
        .MapTwilioCallbacks()
        .MapConnectors()
        .MapConnectorInbound();
}
