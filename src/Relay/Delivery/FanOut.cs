using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Relay.Webhooks;

namespace Cualify.Appliance.Relay.Delivery;

/// <summary>
/// Turns new outbox events into delivery rows, one per matching active endpoint of the event's own org, and
/// moves the relay's cursor past them in the same transaction: an event is fanned out exactly once, and a crash
/// at any point leaves either both or neither. With no endpoint anywhere there is nothing to fan out, and the cursor
/// only moves past the events when the caller says <c>passIdle</c>: an endpoint only ever gets events after its
/// creation (<c>from_seq</c>), so a cursor left behind loses nothing, and a busy store is spared a commit per write.
/// </summary>
internal static class FanOut
{
    public const string CursorName = "webhooks";

    private sealed record OutboxRow(long Tx, long Seq, string Id, string OrgId, string Type);

    public static async Task<OutboxTake> RunAsync(StoreTransaction tx, IReadOnlyList<ActiveWebhook> webhooks, int batchSize, bool passIdle)
    {
        if (webhooks.Count == 0 && !passIdle)
        {
            return OutboxTake.None;
        }

        var cursor = await OutboxOrder.ReadCursorAsync(tx, CursorName);
        if (webhooks.Count == 0)
        {
            return await OutboxOrder.PassAllAsync(tx, CursorName, cursor);
        }

        var events = (await tx.QueryAsync<OutboxRow>(
            $"SELECT tx, seq, id, org_id, type FROM events WHERE {OutboxOrder.After(tx.Dialect)} ORDER BY {OutboxOrder.OrderBy(tx.Dialect)} LIMIT @batchSize",
            OutboxOrder.Parameters(cursor, new { batchSize }))).ToList();
        if (events.Count == 0)
        {
            return new OutboxTake(0, await OutboxOrder.HeldBackAsync(tx.Connection, tx.Transaction, tx.Dialect, cursor, null, tx.CancellationToken));
        }

        var byOrg = webhooks.ToLookup(w => w.OrgId, StringComparer.Ordinal);
        using var insert = new SqlBatch(tx, """
            INSERT INTO webhook_deliveries (id, org_id, webhook_id, event_seq, event_id, event_type, kind, status, next_attempt_at, created_at, updated_at)
            VALUES (@Id, @OrgId, @WebhookId, @EventSeq, @EventId, @EventType, 'event', 'pending', @Now, @Now, @Now)
            """, "Id", "OrgId", "WebhookId", "EventSeq", "EventId", "EventType", "Now");
        foreach (var evt in events)
        {
            // A test event is addressed to one endpoint when it is written; it is never broadcast.
            if (evt.Type == WebhookEvents.Test)
            {
                continue;
            }

            foreach (var webhook in byOrg[evt.OrgId])
            {
                if (evt.Seq > webhook.FromSeq && EventCatalog.Matches(webhook.Types, evt.Type))
                {
                    insert.Execute(DeliveryTable.NewId(tx.Now), evt.OrgId, webhook.Id, evt.Seq, evt.Id, evt.Type, tx.Now);
                }
            }
        }

        var last = new OutboxPosition(events[^1].Tx, events[^1].Seq);
        await OutboxOrder.MoveCursorAsync(tx, CursorName, last);
        return new OutboxTake(events.Count, events.Count < batchSize && await OutboxOrder.HeldBackAsync(tx.Connection, tx.Transaction, tx.Dialect, last, null, tx.CancellationToken));
    }
}
