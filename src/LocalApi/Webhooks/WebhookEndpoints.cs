using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.LocalApi.Auth;
using Cualify.Appliance.LocalApi.Idempotency;
using Cualify.Appliance.LocalApi.Json;
using Cualify.Appliance.Relay.Delivery;
using Cualify.Appliance.Relay.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.LocalApi.Webhooks;

/// <summary>
/// Webhook endpoints (admin scope): register, list, get, delete, test, delivery history, rotate the secret and
/// re-enable. Creation and rotation are the only answers that carry the secret.
/// </summary>
public static class WebhookEndpoints
{
    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/webhooks").WithTags("Webhooks").RequireScope(Scope.Admin);
        // An Idempotency-Key repeat replays the original answer, secret included: a client whose 201 was lost must
        // still learn the secret of the endpoint it created. The remembered answer is sealed with secrets.key
        // (IdempotencyRecords), like the secret in the webhooks table, so the store holds it in clear nowhere.
        group.MapPost("/", CreateAsync).WithIdempotency()
            .WithSummary("Register a webhook")
            .WithDescription("Registers an HTTPS endpoint for the listed event types (or `*`). Deliveries are signed the Standard Webhooks way; the secret is shown only in this answer (and in an Idempotency-Key replay of it).");
        group.MapGet("/", ListAsync)
            .WithSummary("List webhooks")
            .WithDescription("The org's webhooks with their health: last delivery and status, consecutive failures, and why one was disabled.");
        group.MapGet("/{id}", GetAsync)
            .WithSummary("Get a webhook")
            .WithDescription("One webhook with its health.");
        group.MapDelete("/{id}", DeleteAsync)
            .WithSummary("Delete a webhook")
            .WithDescription("Stops deliveries to this endpoint and removes it.");
        group.MapPost("/{id}/test", TestAsync)
            .WithSummary("Send a test event")
            .WithDescription("Queues a webhook.test event to this endpoint; follow it in the delivery history.");
        group.MapGet("/{id}/deliveries", DeliveriesAsync)
            .WithSummary("List delivery attempts")
            .WithDescription("Every attempt to this endpoint, newest first: event, attempt number, status code, latency, result and the next retry; filter by event_id.");
        group.MapPost("/{id}/rotate-secret", RotateSecretAsync).WithIdempotency()
            .WithSummary("Rotate the signing secret")
            .WithDescription("Issues a new secret (in this answer only); deliveries are signed with both the old and the new one for a while so receivers can switch.");
        group.MapPost("/{id}/enable", EnableAsync)
            .WithSummary("Re-enable a webhook")
            .WithDescription("Turns deliveries back on for an endpoint disabled after failing for 72 h, and clears its failure count.");
        return api;
    }

    private static async Task<Created<WebhookSecretView>> CreateAsync(CreateWebhookRequest request, HttpContext context, WebhookStore webhooks, TimeProvider time)
    {
        var created = await webhooks.CreateAsync(context.Caller().OrgId, new NewWebhook(request.Url, request.Events, request.Description), context.RequestAborted);
        return TypedResults.Created($"/api/v1/webhooks/{created.Webhook.Id}", WebhookSecretView.From(created, time.GetUtcNow()));
    }

    private static async Task<Ok<ListOf<WebhookView>>> ListAsync([AsParameters] PageQuery query, HttpContext context, WebhookStore webhooks, TimeProvider time)
    {
        var page = await webhooks.ListAsync(context.Caller().OrgId, query.ToPage(), context.RequestAborted);
        var now = time.GetUtcNow();
        return TypedResults.Ok(ListOf<WebhookView>.From(page.Map(w => WebhookView.From(w, now))));
    }

    private static async Task<Ok<DataOf<WebhookView>>> GetAsync(string id, HttpContext context, WebhookStore webhooks, TimeProvider time)
    {
        var webhook = await webhooks.RequireAsync(context.Caller().OrgId, id, context.RequestAborted);
        return TypedResults.Ok(Envelopes.Wrap(WebhookView.From(webhook, time.GetUtcNow())));
    }

    private static async Task<Ok<DataOf<DeletedWebhookView>>> DeleteAsync(string id, HttpContext context, WebhookStore webhooks)
    {
        await webhooks.DeleteAsync(context.Caller().OrgId, id, context.RequestAborted);
        return TypedResults.Ok(Envelopes.Wrap(new DeletedWebhookView(id, true)));
    }

    private static async Task<Accepted<DataOf<QueuedEventView>>> TestAsync(string id, HttpContext context, Redeliveries redeliveries)
    {
        var queued = await redeliveries.SendTestAsync(context.Caller().OrgId, id, context.RequestAborted);
        return TypedResults.Accepted($"/api/v1/webhooks/{id}/deliveries?event_id={queued.EventId}", Envelopes.Wrap(QueuedEventView.From(queued)));
    }

    private static async Task<Ok<ListOf<DeliveryAttemptView>>> DeliveriesAsync(
        string id, [AsParameters] DeliveryHistoryQuery query, HttpContext context, WebhookStore webhooks, DeliveryHistory history)
    {
        var page = Cualify.Appliance.Core.Paging.PageRequest.Parse(query.Limit, query.Offset);
        var webhook = await webhooks.RequireAsync(context.Caller().OrgId, id, context.RequestAborted);
        var attempts = await history.ListAsync(webhook.Id, string.IsNullOrEmpty(query.EventId) ? null : query.EventId, page, context.RequestAborted);
        return TypedResults.Ok(ListOf<DeliveryAttemptView>.From(attempts.Map(DeliveryAttemptView.From)));
    }

    private static async Task<Ok<WebhookSecretView>> RotateSecretAsync(string id, HttpContext context, WebhookStore webhooks, TimeProvider time)
    {
        var rotated = await webhooks.RotateSecretAsync(context.Caller().OrgId, id, context.RequestAborted);
        return TypedResults.Ok(WebhookSecretView.From(rotated, time.GetUtcNow()));
    }

    private static async Task<Ok<DataOf<WebhookView>>> EnableAsync(string id, HttpContext context, WebhookStore webhooks, TimeProvider time)
    {
        var webhook = await webhooks.EnableAsync(context.Caller().OrgId, id, context.RequestAborted);
        return TypedResults.Ok(Envelopes.Wrap(WebhookView.From(webhook, time.GetUtcNow())));
    }
}
