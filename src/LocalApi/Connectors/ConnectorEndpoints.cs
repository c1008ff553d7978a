using System.Text.Json;
using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Api;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Json;
using Cualify.Appliance.LocalApi.Auth;
using Cualify.Appliance.LocalApi.Idempotency;
using Cualify.Appliance.LocalApi.Json;
using Cualify.Appliance.LocalApi.OpenApi;
using Cualify.Appliance.Relay.Connectors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.LocalApi.Connectors;

/// <summary>
/// CRM connectors (admin scope): create (the inbound secret shown once), list, get, change, delete, test the
/// credentials, the sync history with retry, and the inbound log. The inbound URL itself is in <see cref="ConnectorInboundEndpoints"/>.
/// </summary>
public static class ConnectorEndpoints
{
    public static IEndpointRouteBuilder MapConnectors(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/connectors").WithTags("Connectors").RequireScope(Scope.Admin);
        group.MapPost("/", CreateAsync).WithIdempotency()
            .WithSummary("Create a CRM connector")
            .WithDescription("Connects a HubSpot or Zoho account: calls, emails and opt-outs of the org are written to it exactly once, and its workflows can start sequences through inbound_url. Credentials are write-only and stored encrypted; the inbound secret is shown only in this answer.");
        group.MapGet("/", ListAsync)
            .WithSummary("List connectors")
            .WithDescription("The org's connectors with their health: status, token expiry, the CRM's remaining rate limit, backlog, last sync and last error.");
        group.MapGet("/{id}", GetAsync)
            .WithSummary("Get a connector")
            .WithDescription("One connector with its health.");
        group.MapPatch("/{id}", UpdateAsync).AcceptsPartial<UpdateConnectorRequest>()
            .WithSummary("Change a connector")
            .WithDescription("Send only what changes. New credentials replace the old ones, clear auth_failed and let the waiting syncs resume; options replace the stored options; enabled false stops all writes.");
        group.MapDelete("/{id}", DeleteAsync)
            .WithSummary("Delete a connector")
            .WithDescription("Stops at once: nothing more is written to the CRM and its inbound URL stops answering.");
        group.MapPost("/{id}/test", TestAsync).WithErrors(409)
            .WithSummary("Test a connector's credentials")
            .WithDescription("Signs in to the CRM with the stored credentials and reads each object the connector writes, naming any missing scope.");
        group.MapGet("/{id}/syncs", SyncsAsync)
            .WithSummary("List CRM writes")
            .WithDescription("Every record the connector writes, newest first: our object and id, the CRM's id once written, status, attempts and the last error.");
        group.MapPost("/{id}/syncs/{sync_id}/retry", RetryAsync).WithErrors(409)
            .WithSummary("Retry a failed CRM write")
            .WithDescription("Sends a failed sync again now; a record an earlier attempt may have created is looked up first, so it is never written twice.");
        group.MapGet("/{id}/inbound", InboundLogAsync)
            .WithSummary("List inbound requests")
            .WithDescription("Every request the CRM sent to the inbound URL, newest first: when, accepted or rejected, and the enrollment it started or why not.");
        return api;
    }

    internal static string InboundUrl(HttpContext context, IOptions<ApiOptions> api, string id)
    {
        var path = $"api/v1/connectors/{id}/inbound";
        return api.Value.PublicBase is { } publicBase
            ? new Uri(publicBase, path).ToString()
            : $"{context.Request.Scheme}://{context.Request.Host}/{path}";
    }

    private static async Task<Created<ConnectorSecretView>> CreateAsync(
        CreateConnectorRequest request, HttpContext context, ConnectorStore connectors, IOptions<ApiOptions> api)
    {
        var created = await connectors.CreateAsync(context.Caller().OrgId, request.Kind?.Trim(), request.Name,
            request.Credentials is null ? null : ToObject(request.Credentials), request.Options is null ? null : ToObject(request.Options), context.RequestAborted);
        var view = ConnectorView.From(created.Connector, InboundUrl(context, api, created.Connector.Id), 0);
        return TypedResults.Created($"/api/v1/connectors/{created.Connector.Id}", new ConnectorSecretView(view, created.InboundSecret));
    }

    private static async Task<Ok<ListOf<ConnectorView>>> ListAsync([AsParameters] PageQuery query, HttpContext context, ConnectorStore connectors, ConnectorSyncs syncs, IOptions<ApiOptions> api)
    {
        var page = await connectors.ListAsync(context.Caller().OrgId, query.ToPage(), context.RequestAborted);
        var views = new List<ConnectorView>();
        foreach (var connector in page.Items)
        {
            views.Add(ConnectorView.From(connector, InboundUrl(context, api, connector.Id), await syncs.BacklogAsync(connector.Id, context.RequestAborted)));
        }

        return TypedResults.Ok(ListOf<ConnectorView>.From(page.Map(c => views.First(v => v.Id == c.Id))));
    }

    private static async Task<Ok<DataOf<ConnectorView>>> GetAsync(string id, HttpContext context, ConnectorStore connectors, ConnectorSyncs syncs, IOptions<ApiOptions> api)
    {
        var connector = await connectors.RequireAsync(context.Caller().OrgId, id, context.RequestAborted);
        return TypedResults.Ok(Envelopes.Wrap(ConnectorView.From(connector, InboundUrl(context, api, id), await syncs.BacklogAsync(id, context.RequestAborted))));
    }

    private static async Task<Ok<DataOf<ConnectorView>>> UpdateAsync(
        string id, [FromBody] JsonObject body, HttpContext context, ConnectorStore connectors, ConnectorSyncs syncs, IOptions<ApiOptions> api)
    {
        var connector = await connectors.UpdateAsync(context.Caller().OrgId, id, ParsePatch(body), context.RequestAborted);
        return TypedResults.Ok(Envelopes.Wrap(ConnectorView.From(connector, InboundUrl(context, api, id), await syncs.BacklogAsync(id, context.RequestAborted))));
    }

    private static async Task<Ok<DataOf<DeletedConnectorView>>> DeleteAsync(string id, HttpContext context, ConnectorStore connectors)
    {
        await connectors.DeleteAsync(context.Caller().OrgId, id, context.RequestAborted);
        return TypedResults.Ok(Envelopes.Wrap(new DeletedConnectorView(id, true)));
    }

    private static async Task<Ok<DataOf<ConnectorTestView>>> TestAsync(string id, HttpContext context, ConnectorStore connectors, ConnectorTester tester)
    {
        var connector = await connectors.RequireAsync(context.Caller().OrgId, id, context.RequestAborted);
        if (connector.Status == ConnectorStatus.Disabled)
        {
            throw ApplianceException.Conflict("The connector is disabled; enable it with PATCH {\"enabled\": true} first");
        }

        return TypedResults.Ok(Envelopes.Wrap(ConnectorTestView.From(await tester.TestAsync(connector, context.RequestAborted))));
    }

    private static async Task<Ok<ListOf<ConnectorSyncView>>> SyncsAsync(string id, [AsParameters] PageQuery query, HttpContext context, ConnectorStore connectors, ConnectorSyncs syncs)
    {
        var page = query.ToPage();
        var connector = await connectors.RequireAsync(context.Caller().OrgId, id, context.RequestAborted);
        var listed = await syncs.ListAsync(connector.Id, page, context.RequestAborted);
        return TypedResults.Ok(ListOf<ConnectorSyncView>.From(listed.Map(ConnectorSyncView.From)));
    }

    private static async Task<Ok<DataOf<ConnectorSyncView>>> RetryAsync(string id, [FromRoute(Name = "sync_id")] string syncId, HttpContext context, ConnectorStore connectors, ConnectorSyncs syncs)
    {
        var connector = await connectors.RequireAsync(context.Caller().OrgId, id, context.RequestAborted);
        return TypedResults.Ok(Envelopes.Wrap(ConnectorSyncView.From(await syncs.RetryAsync(connector.Id, syncId, context.RequestAborted))));
    }

    private static async Task<Ok<ListOf<ConnectorInboundView>>> InboundLogAsync(
        string id, [AsParameters] PageQuery query, HttpContext context, ConnectorStore connectors, Relay.Connectors.Inbound.InboundReceiver inbound)
    {
        var page = query.ToPage();
        var connector = await connectors.RequireAsync(context.Caller().OrgId, id, context.RequestAborted);
        var listed = await inbound.ListAsync(connector.Id, page, context.RequestAborted);
        return TypedResults.Ok(ListOf<ConnectorInboundView>.From(listed.Map(ConnectorInboundView.From)));
    }

    private static JsonObject ToObject<T>(T value)
    {
        var node = JsonSerializer.SerializeToNode(value, ApplianceJson.Options) as JsonObject ?? [];
        foreach (var name in node.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            node.Remove(name);
        }

        return node;
    }

    private static ConnectorPatch ParsePatch(JsonObject body)
    {
        var errors = new FieldErrors();
        foreach (var (field, _) in body.Where(p => p.Key is not ("name" or "credentials" or "options" or "enabled")))
        {
            errors.Add(field, $"'{field}' cannot be changed; send name, credentials, options or enabled");
        }

        string? name = null;
        if (body["name"] is { } nameNode && !(nameNode is JsonValue v && v.TryGetValue(out name)))
        {
            errors.Add("name", "name must be a string");
        }

        JsonObject? Section(string field)
        {
            var node = body[field];
            if (node is null)
            {
                return null;
            }

            if (node is JsonObject obj)
            {
                return obj;
            }

            errors.Add(field, $"{field} must be an object");
            return null;
        }

        var credentials = Section("credentials");
        var options = Section("options");
        bool? enabled = null;
        if (body["enabled"] is { } enabledNode)
        {
            if (enabledNode is JsonValue e && e.TryGetValue<bool>(out var flag))
            {
                enabled = flag;
            }
            else
            {
                errors.Add("enabled", "enabled must be true or false");
            }
        }

        errors.ThrowIfAny();
        return new ConnectorPatch(name, credentials, options, enabled);
    }
}
