using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Relay.Delivery;

/// <summary>Rows of <c>webhook_deliveries</c>: their ids, and one delivery inserted directly (not fanned out).</summary>
internal static class DeliveryTable
{
    public static string NewId(DateTimeOffset now) => Ids.New(now);

    /// <summary>Creates a delivery due now for an event that is not fanned out (a test or a replay).</summary>
    public static Task InsertAsync(StoreTransaction tx, string id, string orgId, string webhookId, long eventSeq, string eventId, string eventType, string kind) =>
        tx.ExecuteAsync("""
            INSERT INTO webhook_deliveries (id, org_id, webhook_id, event_seq, event_id, event_type, kind, status, next_attempt_at, created_at, updated_at)
            VALUES (@id, @orgId, @webhookId, @eventSeq, @eventId, @eventType, @kind, 'pending', @Now, @Now, @Now)
            """, new { id, orgId, webhookId, eventSeq, eventId, eventType, kind, tx.Now });
}
