using Cualify.Appliance.Core.Json;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Events;

/// <summary>
/// Writes events into the outbox inside the caller's transaction, so an event exists exactly when the change
/// that caused it does, and wakes the relay once the transaction commits.
/// </summary>
public sealed class EventOutbox(OutboxSignal signal)
{
    public async Task<StoredEvent> AppendAsync(StoreTransaction tx, string orgId, string type, object data)
    {
        var stored = new StoredEvent
        {
            Id = Ids.Prefixed("evt", tx.Now),
            OrgId = orgId,
            Type = type,
            Data = ApplianceJson.Serialize(data),
            CreatedAt = tx.Now,
        };
        stored.Seq = await tx.ExecuteScalarAsync<long>("""
            INSERT INTO events (id, org_id, type, data, created_at)
            VALUES (@Id, @OrgId, @Type, @Data, @CreatedAt)
            RETURNING seq
            """, stored);
        tx.AfterCommit(signal.Notify);
        return stored;
    }

    /// <summary>An appender for many events in this transaction, its statement prepared once.</summary>
    public OutboxBatch Batch(StoreTransaction tx) => new(tx, signal);
}
