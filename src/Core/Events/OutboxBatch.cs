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
    private readonly IdBatch _ids;
    private bool _appended;

    internal OutboxBatch(StoreTransaction tx, OutboxSignal signal)
    {
        _tx = tx;
        _insert = new PreparedCommand(tx, """
            INSERT INTO events (id, org_id, type, created_at, data) VALUES (@id, @org_id, @type, @created_at, @data)
            """, "@id", "@org_id", "@type", "@created_at", "@data");
        _signal = signal;
        _createdAt = UtcTimestamp.Format(tx.Now);
        _ids = new IdBatch(tx.Now);
    }

    public void Append(string orgId, string type, object data)
    {
        SetRow(orgId, type).Set("@data", ApplianceJson.Serialize(data)).Execute();
    }

    /// <summary>Appends an event whose data the caller has already written as UTF-8 JSON.</summary>
    public void AppendUtf8(string orgId, string type, ReadOnlySpan<byte> json)
    {
        SetRow(orgId, type).SetUtf8("@data", json).Execute();
    }

    private PreparedCommand SetRow(string orgId, string type)
    {
        if (!_appended)
        {
            _appended = true;
            _tx.AfterCommit(_signal.Notify);
        }

        return _insert.Set("@id", _ids.Prefixed("evt")).Set("@org_id", orgId).Set("@type", type).Set("@created_at", _createdAt);
    }

    public void Dispose() => _insert.Dispose();
}
