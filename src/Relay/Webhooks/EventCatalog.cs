namespace Cualify.Appliance.Relay.Webhooks;

/// <summary>
/// The event types a webhook or an event stream may subscribe to (SPEC §2), plus <c>*</c> for all. A feature
/// that emits a new event type adds it here, so that a typo in a subscription is refused instead of never firing.
/// </summary>
public static class EventCatalog
{
    public const string All = "*";

    public static IReadOnlySet<string> Types { get; } = new SortedSet<string>(StringComparer.Ordinal)
    {
        "contact.created", "contact.updated", "contact.opted_out", "contact.deleted",
        "call.queued", "call.answered", "call.completed", "call.failed", "call.recording_ready", "call.analyzed",
        "sequence.enrollment_created", "sequence.completed", "sequence.stopped",
        "email.sent", "email.opened", "email.replied", "email.bounced",
        WebhookEvents.Disabled, WebhookEvents.Test,
        Connectors.ConnectorEvents.SyncFailed, Connectors.ConnectorEvents.AuthFailed,
    };

    public static bool IsKnown(string type) => Types.Contains(type);

    /// <summary>Whether an endpoint subscribed to <paramref name="subscribed"/> gets events of <paramref name="type"/>.</summary>
    public static bool Matches(IReadOnlyList<string> subscribed, string type)
    {
        foreach (var entry in subscribed)
        {
            if (entry == All || entry == type)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Events the relay itself emits.</summary>
public static class WebhookEvents
{
    /// <summary>An endpoint was turned off (410 Gone, or failing for 72 h).</summary>
    public const string Disabled = "webhook.disabled";

    /// <summary>Sent by <c>POST /webhooks/{id}/test</c> to that endpoint only; never fanned out.</summary>
    public const string Test = "webhook.test";
}
