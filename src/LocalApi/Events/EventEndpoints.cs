using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.LocalApi.Auth;
using Cualify.Appliance.LocalApi.Json;
using Cualify.Appliance.LocalApi.Webhooks;
using Cualify.Appliance.Relay.Delivery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.LocalApi.Events;

public sealed record ReplayRequest(string? WebhookId);

/// <summary>The org's events: a live Server-Sent Events stream, and replay of one event to its webhooks.</summary>
public static class EventEndpoints
{
    public static IEndpointRouteBuilder MapEvents(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/events").WithTags("Events");
        group.MapGet("/", EventStream.RunAsync)
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .WithSummary("Stream events")
            .WithDescription("A live Server-Sent Events stream of the org's events (contact.*, call.*, sequence.*, email.*), each as `id`, `event` and `data` (the JSON payload a webhook would receive).");
        group.MapPost("/{id}/replay", ReplayAsync).RequireScope(Scope.Admin)
            .WithSummary("Replay an event")
            .WithDescription("Queues the event again to every webhook subscribed to it, or to webhook_id only.");
        return api;
    }

    private static async Task<Accepted<DataOf<QueuedEventView>>> ReplayAsync(string id, ReplayRequest? request, HttpContext context, Redeliveries redeliveries)
    {
        var webhookId = string.IsNullOrWhiteSpace(request?.WebhookId) ? null : request.WebhookId.Trim();
        var queued = await redeliveries.ReplayAsync(context.Caller().OrgId, id, webhookId, context.RequestAborted);
        return TypedResults.Accepted((string?)null, Envelopes.Wrap(QueuedEventView.From(queued)));
    }
}
