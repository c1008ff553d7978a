using System.Text.Json;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Relay.Connectors;

/// <summary>
/// Turns new outbox events into sync rows, one per (connector, record), and moves the connectors' cursor past them in
/// the same transaction, so an event becomes syncs exactly once. Final calls, sent emails, replies and (when the connector has
/// an opt-out property) opt-outs are written; the unique (connector, object, object_id) key makes a replayed or
/// repeated event add nothing. With no connector the cursor only moves when the caller says <c>passIdle</c>, as in the
/// webhooks' fan-out: a connector only takes events after its creation (<c>from_seq</c>).
/// </summary>
internal static class SyncFanOut
{
    public const string CursorName = "connectors";

    private static readonly string[] Types = ["call.completed", "call.failed", "email.sent", "email.replied", "contact.opted_out"];

    private sealed record OutboxRow(long Tx, long Seq, string OrgId, string Type, string Data);

    private sealed record Target(string Id, string OrgId, string Kind, string Options, long FromSeq);

    public static async Task<OutboxTake> RunAsync(StoreTransaction tx, int batchSize, Func<bool> passIdle)
    {
        var connectors = (await tx.QueryAsync<Target>(
            "SELECT id, org_id, kind, options, from_seq FROM connectors WHERE deleted_at IS NULL AND status <> 'disabled'")).ToList();
        if (connectors.Count == 0 && !passIdle())
        {
            return OutboxTake.None;
        }

        var cursor = await OutboxOrder.ReadCursorAsync(tx, CursorName);
        if (connectors.Count == 0)
        {
            return await OutboxOrder.PassAllAsync(tx, CursorName, cursor);
        }

        var events = (await tx.QueryAsync<OutboxRow>(
            $"SELECT tx, seq, org_id, type, data FROM events WHERE {OutboxOrder.After(tx.Dialect)} ORDER BY {OutboxOrder.OrderBy(tx.Dialect)} LIMIT @batchSize",
            OutboxOrder.Parameters(cursor, new { batchSize }))).ToList();
        if (events.Count == 0)
        {
            return new OutboxTake(0, await OutboxOrder.HeldBackAsync(tx.Connection, tx.Transaction, tx.Dialect, cursor, null, tx.CancellationToken));
        }

        var targets = connectors.ToLookup(t => t.OrgId, StringComparer.Ordinal);
        foreach (var evt in events.Where(e => Types.Contains(e.Type)))
        {
            foreach (var target in targets[evt.OrgId].Where(t => evt.Seq > t.FromSeq))
            {
                var (obj, objectId) = Subject(evt);
                if (objectId is null || !Writes(target, obj))
                {
                    continue;
                }

                await tx.ExecuteAsync("""
                    INSERT INTO connector_syncs (id, connector_id, org_id, object, object_id, event_seq, status, next_attempt_at, created_at, updated_at)
                    VALUES (@Id, @ConnectorId, @OrgId, @Object, @ObjectId, @Seq, 'pending', @Now, @Now, @Now)
                    ON CONFLICT (connector_id, object, object_id) DO NOTHING
                    """, new { Id = Ids.New(tx.Now), ConnectorId = target.Id, evt.OrgId, Object = obj, ObjectId = objectId, evt.Seq, tx.Now });
            }
        }

        var last = new OutboxPosition(events[^1].Tx, events[^1].Seq);
        await OutboxOrder.MoveCursorAsync(tx, CursorName, last);
        return new OutboxTake(events.Count, events.Count < batchSize && await OutboxOrder.HeldBackAsync(tx.Connection, tx.Transaction, tx.Dialect, last, null, tx.CancellationToken));
    }

    /// <summary>Both CRMs take calls and emails, and opt-outs when the connector names an opt-out property.</summary>
    private static bool Writes(Target target, string obj) => obj != "contact" || ConnectorOptionsJson.Parse(target.Options).OptOutProperty is not null;

    private static (string Object, string? Id) Subject(OutboxRow evt)
    {
        using var data = JsonDocument.Parse(evt.Data);
        var root = data.RootElement;
        return evt.Type switch
        {
            "email.sent" => ("email", root.TryGetProperty("message_id", out var m) ? m.GetString()?.Trim('<', '>') : null),
            // One reply is counted per step; it is its own email record, told apart from the sent one.
            "email.replied" => ("email", root.TryGetProperty("message_id", out var r) ? $"{HubSpot.HubSpotRecords.ReplyPrefix}{r.GetString()?.Trim('<', '>')}" : null),
            "contact.opted_out" => ("contact", root.TryGetProperty("contact", out var c) && c.TryGetProperty("id", out var cid) ? cid.GetString() : null),
            _ => ("call", root.TryGetProperty("id", out var id) ? id.GetString() : null),
        };
    }
}
