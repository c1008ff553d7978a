using System.Text.Json;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Relay.Connectors;

/// <summary>
/// Claims due syncs of a connector (pending → sending, the attempt counted before anything is sent, so a crash
/// mid-request leaves a trace that makes the next attempt look the record up first) and gathers what the writer
/// needs: the event's data, the contact and, for an email, its text.
/// </summary>
internal static class SyncClaims
{
    private sealed class ClaimedRow
    {
        public string Id { get; init; } = "";

        public string Object { get; init; } = "";

        public string ObjectId { get; init; } = "";

        public int Attempts { get; init; }

        public string? CrmObjectId { get; init; }

        public string Data { get; init; } = "{}";
    }

    private sealed class LeftClaim
    {
        public string Id { get; init; } = "";

        public DateTimeOffset UpdatedAt { get; init; }
    }

    private sealed record ContactRow(string? Email, string? PhoneE164, string? FirstName, string? LastName, string? Name);

    /// <summary>Connectors that may write now: not disabled, not waiting for credentials, not paused by a daily limit.</summary>
    public static async Task<IReadOnlyList<Connector>> WritableAsync(StoreTransaction tx) =>
        (await tx.QueryAsync<Connector>($"""
            SELECT {Connector.Columns} FROM connectors
            WHERE deleted_at IS NULL AND status IN ('healthy', 'degraded') AND (paused_until IS NULL OR paused_until <= @Now)
            """, new { tx.Now })).ToList();

    public static async Task<ConnectorBatch?> ClaimAsync(StoreTransaction tx, Connector connector, string nodeId, int limit)
    {
        // Materialised once, so that a rescan cannot pick more than the limit (see DeliveryClaims).
        var rows = (await tx.QueryAsync<ClaimedRow>($"""
            WITH picked AS MATERIALIZED (
                SELECT id FROM connector_syncs
                WHERE connector_id = @connectorId AND status IN ('pending', 'sending') AND status = 'pending' AND next_attempt_at <= @Now
                ORDER BY next_attempt_at
                LIMIT @limit{tx.Dialect.SkipLocked("connector_syncs")})
            UPDATE connector_syncs
            SET status = 'sending', attempts = attempts + 1, node_id = @nodeId, updated_at = @Now
            WHERE id IN (SELECT id FROM picked) AND status = 'pending'
            RETURNING id, object, object_id, attempts, crm_object_id, (SELECT data FROM events WHERE seq = connector_syncs.event_seq) AS data
            """, new { connectorId = connector.Id, limit, nodeId, tx.Now })).ToList();
        if (rows.Count == 0)
        {
            return null;
        }

        var jobs = new List<SyncJob>(rows.Count);
        foreach (var row in rows.OrderBy(r => r.Id, StringComparer.Ordinal))
        {
            var data = JsonDocument.Parse(row.Data).RootElement.Clone();
            var contactId = row.Object == "contact" ? row.ObjectId : Text(data, "contact_id");
            var contact = contactId is null ? null : await tx.QuerySingleOrDefaultAsync<ContactRow>(
                "SELECT email, phone_e164, first_name, last_name, name FROM contacts WHERE id = @contactId", new { contactId });
            var syncContact = contact is null
                ? new SyncContact(row.Object == "email" ? Text(data, "to") ?? Text(data, "from") : null, row.Object == "call" ? Text(data, "to_e164") : null, null, null)
                : new SyncContact(
                    row.Object == "email" ? Text(data, "to") ?? contact.Email : contact.Email,
                    contact.PhoneE164 ?? (row.Object == "call" ? Text(data, "to_e164") : null),
                    contact.FirstName ?? FirstWord(contact.Name),
                    contact.LastName ?? RestWords(contact.Name));
            string? body = null;
            if (row.Object == "email" && !row.ObjectId.StartsWith(HubSpot.HubSpotRecords.ReplyPrefix, StringComparison.Ordinal) && Text(data, "enrollment_id") is { } enrollmentId && data.TryGetProperty("step", out var step) && step.TryGetInt32(out var position))
            {
                body = await tx.ExecuteScalarAsync<string?>(
                    "SELECT body FROM sequence_steps WHERE enrollment_id = @enrollmentId AND position = @position", new { enrollmentId, position });
            }

            var playbook = row.Object == "call" && Text(data, "agent_id") is { } agentId
                ? await tx.ExecuteScalarAsync<string?>("SELECT name FROM playbooks WHERE id = @agentId", new { agentId })
                : null;
            jobs.Add(new SyncJob(row.Id, row.Object, row.ObjectId, row.Attempts - 1, row.CrmObjectId, data, syncContact, body, playbook));
        }

        return new ConnectorBatch(connector, jobs);
    }

    /// <summary>
    /// At start nothing of ours is in flight: a claim this node left by a crash goes back to pending, its attempt still
    /// counted, due <paramref name="settle"/> after that attempt began (the claim's <c>updated_at</c>) so its lookup sees
    /// the CRM's write. On PostgreSQL only this node's claims (and unstamped ones): the other nodes' are still running.
    /// </summary>
    public static Task<int> RecoverAsync(StoreTransaction tx, string nodeId, TimeSpan settle) =>
        ResetAsync(tx, tx.Dialect.IsPostgres ? "(node_id = @nodeId OR node_id IS NULL)" : "1 = 1", nodeId, settle);

    /// <summary>The claims of a node that fell silent go back to pending, each looked up first by the survivor that takes it.</summary>
    public static Task<int> RecoverNodeAsync(StoreTransaction tx, string nodeId, TimeSpan settle) => ResetAsync(tx, "node_id = @nodeId", nodeId, settle);

    private static async Task<int> ResetAsync(StoreTransaction tx, string whose, string nodeId, TimeSpan settle)
    {
        var left = (await tx.QueryAsync<LeftClaim>(
            $"SELECT id, updated_at FROM connector_syncs WHERE status IN ('pending', 'sending') AND status = 'sending' AND {whose}", new { nodeId })).ToList();
        foreach (var claim in left)
        {
            await tx.ExecuteAsync(
                "UPDATE connector_syncs SET status = 'pending', node_id = NULL, next_attempt_at = @Next, updated_at = @Now WHERE id = @Id AND status = 'sending'",
                new { claim.Id, Next = claim.UpdatedAt + settle, tx.Now });
        }

        return left.Count;
    }

    /// <summary>The earliest future sync of a writable connector, or when a paused one resumes.</summary>
    public static Task<DateTimeOffset?> NextDueAsync(StoreTransaction tx) =>
        tx.ExecuteScalarAsync<DateTimeOffset?>("""
            SELECT min(due) FROM (
                SELECT (SELECT min(s.next_attempt_at) FROM connector_syncs s
                        WHERE s.connector_id = c.id AND s.status IN ('pending', 'sending') AND s.status = 'pending' AND s.next_attempt_at > @Now) AS due
                FROM connectors c WHERE c.deleted_at IS NULL AND c.status IN ('healthy', 'degraded')
                UNION ALL
                SELECT paused_until FROM connectors WHERE deleted_at IS NULL AND paused_until > @Now) AS due_times
            """, new { tx.Now });

    private static string? Text(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? FirstWord(string? name) => name?.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();

    private static string? RestWords(string? name) => name?.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries) is [_, var rest] ? rest : null;
}
