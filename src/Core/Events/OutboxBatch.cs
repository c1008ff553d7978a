using Cualify.Appliance.Core.Json;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Events;

/// <summary>
/// Appends many events inside one transaction through one prepared statement, for writers that emit an event
/// per row of a batch; the events are the same as <see cref="EventOutbox.AppendAsync"/> writes.
/// </summary>
public sealed class OutboxBatch : IDisposable
{
    private readonly StoreTransaction _tx;
    private readonly PreparedCommand _insert;
    private readonly OutboxSignal _signal;
    private readonly string _createdAt;
    private bool _appended;

    internal OutboxBatch(StoreTransaction tx, OutboxSignal signal)
    {
        _tx = tx;
        _insert = new PreparedCommand(tx, """
            INSERT INTO events (id, org_id, type, data, created_at) VALUES (@id, @org_id, @type, @data, @created_at)
            """, "@id", "@org_id", "@type", "@data", "@created_at");
        _signal = signal;
        _createdAt = UtcTimestamp.Format(tx.Now);
    }

    public void Append(string orgId, string type, object data)
    {
        if (!_appended)
        {
            _appended = true;
            _tx.AfterCommit(_signal.Notify);
        }

        _insert.Set("@id", Ids.Prefixed("evt", _tx.Now)).Set("@org_id", orgId).Set("@type", type)
            .Set("@data", ApplianceJson.Serialize(data)).Set("@created_at", _createdAt).Execute();
    }

    public void Dispose() => _insert.Dispose();
}
