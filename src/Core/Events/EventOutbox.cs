using Cualify.Appliance.Core.Json;
using Cualify.Appliance.Core.Store;
using Dapper;

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
        stored.Seq = await tx.ExecuteScalarAsync<long>($"{InsertSql("")} RETURNING seq", stored);
        tx.AfterCommit(signal.Notify);
        return stored;
    }

    /// <summary>
    /// Runs <paramref name="sql"/>, one PostgreSQL <c>INSERT</c>, <c>UPDATE</c> or <c>DELETE</c> that needs nothing back,
    /// and appends its event in the same statement (the change as a <c>WITH</c> clause of the event's insert): one
    /// statement and one round trip, where the change and then <see cref="AppendAsync"/> take two of each. With
    /// <paramref name="lastInWrite"/> the write commits in that round trip too (<see cref="StoreTransaction.ExecuteLastAsync"/>).
    /// </summary>
    public async Task AppendWithAsync(StoreTransaction tx, string sql, DynamicParameters parameters, string orgId, string type, object data, bool lastInWrite = false)
    {
        parameters.Add("EventId", Ids.Prefixed("evt", tx.Now));
        parameters.Add("EventOrgId", orgId);
        parameters.Add("EventType", type);
        parameters.Add("EventData", ApplianceJson.Serialize(data));
        parameters.Add("EventCreatedAt", UtcTimestamp.Format(tx.Now));
        var command = $"WITH change AS (\n{sql}\n)\n{InsertSql("Event")}";
        await (lastInWrite ? tx.ExecuteLastAsync(command, parameters) : tx.ExecuteAsync(command, parameters));
        tx.AfterCommit(signal.Notify);
    }

    /// <summary>The event insert, its parameters named <c>@{prefix}Id</c>, <c>@{prefix}OrgId</c> and so on.</summary>
    private static string InsertSql(string prefix) =>
        $"INSERT INTO events (id, org_id, type, data, created_at) VALUES (@{prefix}Id, @{prefix}OrgId, @{prefix}Type, @{prefix}Data, @{prefix}CreatedAt)";

    /// <summary>An appender for many events in this transaction, its statement prepared once.</summary>
    public OutboxBatch Batch(StoreTransaction tx) => new(tx, signal);
}
