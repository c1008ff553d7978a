using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Relay.Webhooks;

namespace Cualify.Appliance.Relay.Delivery;

public sealed record QueuedDelivery(string DeliveryId, string WebhookId);

public sealed record QueuedEvent(string EventId, string Event, IReadOnlyList<QueuedDelivery> Deliveries);

/// <summary>Deliveries a user asks for: a <c>webhook.test</c> to one endpoint, and replays of a past event.</summary>
public sealed class Redeliveries(ApplianceStore store, EventOutbox outbox, DeliverySignal signal)
{
    /// <summary>Writes a <c>webhook.test</c> event addressed to this endpoint only, due at once.</summary>
    public Task<QueuedEvent> SendTestAsync(string orgId, string webhookId, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var webhook = await WebhookStore.RequireAsync(tx, orgId, webhookId);
            RequireActive(webhook);
            var evt = await outbox.AppendAsync(tx, orgId, WebhookEvents.Test, new
            {
                WebhookId = webhook.Id,
                webhook.Url,
                Message = "A test delivery from the Cualify Appliance: verify its signatures and answer 2xx.",
            });
            var deliveryId = DeliveryTable.NewId(tx.Now);
            await DeliveryTable.InsertAsync(tx, deliveryId, orgId, webhook.Id, evt.Seq, evt.Id, evt.Type, "test");
            return new QueuedEvent(evt.Id, evt.Type, [new QueuedDelivery(deliveryId, webhook.Id)]);
        }, cancellationToken);

    /// <summary>
    /// Sends a past event again, with its original id (so receivers can deduplicate): to one endpoint when
    /// <paramref name="webhookId"/> is given, else to every active endpoint of the org subscribed to its type.
    /// </summary>
    public Task<QueuedEvent> ReplayAsync(string orgId, string eventId, string? webhookId, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var evt = await tx.QuerySingleOrDefaultAsync<StoredEvent>(
                "SELECT seq, id, org_id, type, data, created_at FROM events WHERE org_id = @orgId AND id = @eventId", new { orgId, eventId })
                ?? throw ApplianceException.NotFound("Event", "id");
            List<Webhook> targets;
            if (webhookId is not null)
            {
                var webhook = await tx.QuerySingleOrDefaultAsync<Webhook>(
                    $"SELECT {Webhook.Columns} FROM webhooks WHERE org_id = @orgId AND id = @webhookId AND deleted_at IS NULL", new { orgId, webhookId })
                    ?? throw ApplianceException.NotFound("Webhook", "webhook_id");
                RequireActive(webhook);
                targets = [webhook];
            }
            else
            {
                targets = (await tx.QueryAsync<Webhook>(
                        $"SELECT {Webhook.Columns} FROM webhooks WHERE org_id = @orgId AND active = 1 AND deleted_at IS NULL ORDER BY id", new { orgId }))
                    .Where(w => EventCatalog.Matches(w.EventTypes, evt.Type))
                    .ToList();
                if (targets.Count == 0)
                {
                    throw ApplianceException.Conflict($"No active webhook of this org subscribes to {evt.Type}; name one with webhook_id");
                }
            }

            var queued = new List<QueuedDelivery>();
            foreach (var webhook in targets)
            {
                var deliveryId = DeliveryTable.NewId(tx.Now);
                await DeliveryTable.InsertAsync(tx, deliveryId, orgId, webhook.Id, evt.Seq, evt.Id, evt.Type, "replay");
                queued.Add(new QueuedDelivery(deliveryId, webhook.Id));
            }

            tx.AfterCommit(signal.Notify);
            return new QueuedEvent(evt.Id, evt.Type, queued);
        }, cancellationToken);

    private static void RequireActive(Webhook webhook)
    {
        if (!webhook.Active)
        {
            throw ApplianceException.Conflict($"Webhook {webhook.Id} is disabled ({webhook.DisabledReason}); enable it first with POST /api/v1/webhooks/{webhook.Id}/enable");
        }
    }
}
