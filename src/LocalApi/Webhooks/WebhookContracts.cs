using Cualify.Appliance.Relay.Delivery;
using Cualify.Appliance.Relay.Webhooks;
using Microsoft.AspNetCore.Mvc;

namespace Cualify.Appliance.LocalApi.Webhooks;

public sealed record CreateWebhookRequest(string? Url, IReadOnlyList<string>? Events, string? Description);

/// <summary>An endpoint as listed, with its delivery health; never its secret.</summary>
public sealed record WebhookView(
    string Id,
    string Url,
    IReadOnlyList<string> Events,
    string? Description,
    bool Active,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastDeliveryAt,
    int? LastStatus,
    int ConsecutiveFailures,
    string? DisabledReason,
    DateTimeOffset? DisabledAt,
    DateTimeOffset? PreviousSecretExpiresAt)
{
    public static WebhookView From(Webhook webhook, DateTimeOffset now) => new(
        webhook.Id,
        webhook.Url,
        webhook.EventTypes,
        webhook.Description,
        webhook.Active,
        webhook.CreatedAt,
        webhook.LastDeliveryAt,
        webhook.LastStatus,
        webhook.ConsecutiveFailures,
        webhook.DisabledReason,
        webhook.DisabledAt,
        webhook.PreviousSecretUntil > now ? webhook.PreviousSecretUntil : null);
}

/// <summary>Creation and rotation: the secret, in both forms, appears here and nowhere else.</summary>
public sealed record WebhookSecretView(WebhookView Data, string Secret, string StandardWebhooksSecret)
{
    public static WebhookSecretView From(WebhookWithSecret created, DateTimeOffset now) =>
        new(WebhookView.From(created.Webhook, now), created.Secret.Hex!, created.Secret.StandardWebhooks);
}

/// <summary>One attempt in an endpoint's delivery history.</summary>
public sealed record DeliveryAttemptView(
    string DeliveryId,
    string EventId,
    string Event,
    string Kind,
    int Attempt,
    DateTimeOffset AttemptedAt,
    int? StatusCode,
    long LatencyMs,
    string Result,
    string? Error,
    DateTimeOffset? NextAttemptAt,
    string DeliveryStatus)
{
    public static DeliveryAttemptView From(DeliveryAttempt a) => new(
        a.DeliveryId, a.EventId, a.EventType, a.Kind, a.Attempt, a.AttemptedAt, a.StatusCode, a.LatencyMs, a.Result, a.Error, a.NextAttemptAt, a.DeliveryStatus);
}

/// <summary>The deliveries query; <c>event_id</c> narrows the history to one event (the test endpoint's <c>Location</c>).</summary>
public sealed record DeliveryHistoryQuery([property: FromQuery(Name = "limit")] string? Limit, [property: FromQuery(Name = "offset")] string? Offset, [property: FromQuery(Name = "event_id")] string? EventId);

public sealed record QueuedDeliveryView(string Id, string WebhookId);

/// <summary>What a test or a replay queued: the event and one delivery per endpoint.</summary>
public sealed record QueuedEventView(string EventId, string Event, IReadOnlyList<QueuedDeliveryView> Deliveries)
{
    public static QueuedEventView From(QueuedEvent queued) =>
        new(queued.EventId, queued.Event, queued.Deliveries.Select(d => new QueuedDeliveryView(d.DeliveryId, d.WebhookId)).ToList());
}

public sealed record DeletedWebhookView(string Id, bool Deleted);
