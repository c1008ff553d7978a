using System.Text.Json;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Relay.Connectors;

/// <summary>
/// Turns new outbox events into sync rows, one per (connector, record), and moves the connectors' cursor past them in
/// the same transaction, so an event becomes syncs exactly once. Final calls, sent emails, replies and (when the connector has
/// an opt-out property) opt-outs are written; the unique (connector, object, object_id) key makes a replayed or
/// repeated event add nothing.
/// </summary>
internal static class SyncFanOut
{
    public const string CursorName = "connectors";

    private static readonly string[] Types = ["call.completed", "call.failed", "email.sent", "email.replied", "contact.opted_out"];

    private sealed record OutboxRow(long Seq, string OrgId, string Type, string Data);

    private sealed record Target(string Id, string OrgId, string Kind, string Options, long FromSeq);

    public static async Task<int> RunAsync(StoreTransaction tx, int batchSize)
    {
        var cursor = await tx.ExecuteScalarAsync<long>("SELECT seq FROM relay_cursors WHERE name = @CursorName", new { CursorName });
        var events = (await tx.QueryAsync<OutboxRow>(
            "SELECT seq, org_id, type, data FROM events WHERE seq > @cursor ORDER BY seq LIMIT @batchSize", new { cursor, batchSize })).ToList();
        if (events.Count == 0)
        {
            return 0;
        }

        var targets = (await tx.QueryAsync<Target>(
                "SELECT id, org_id, kind, options, from_seq FROM connectors WHERE deleted_at IS NULL AND status <> 'disabled'"))
            .ToLookup(t => t.OrgId, StringComparer.Ordinal);
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

        await tx.ExecuteAsync("UPDATE relay_cursors SET seq = @seq WHERE name = @CursorName", new { seq = events[^1].Seq, CursorName });
        return events.Count;
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
