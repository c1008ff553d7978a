using System.Collections.Concurrent;
using System.Text;
using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Secrets;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Relay.Signing;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Relay.Delivery;

/// <summary>
/// Claims due deliveries with a conditional <c>UPDATE … RETURNING</c> (pending → sending), at most the free
/// slots of each endpoint (queries repeat the live-index condition <c>status IN ('pending', 'sending')</c> so
/// SQLite can use that partial index), and prepares each attempt (envelope, secrets, a cancellation registered before the
/// claim commits).
/// </summary>
/// <remarks>
/// A claim names the node that made it (<c>node_id</c>), so that recovery puts back only that node's claims. On
/// PostgreSQL an endpoint's claims across all nodes stay within <see cref="RelayOptions.MaxConcurrencyPerEndpoint"/>.
/// </remarks>
internal sealed class DeliveryClaims(SecretProtector protector, DeliveryCancellation cancellation, ClusterNode node, IOptions<RelayOptions> options)
{
    private readonly ConcurrentDictionary<string, WebhookSecret> _secrets = new(StringComparer.Ordinal);
    private readonly TimeSpan _lease = options.Value.RequestTimeout + TimeSpan.FromMinutes(1);

    /// <summary>Claims into <paramref name="jobs"/> (which the caller drops if the transaction rolls back).</summary>
    /// <param name="freeSlots">Free slots of an endpoint (its cap minus its requests in flight).</param>
    public async Task ClaimAsync(StoreTransaction tx, IReadOnlyList<ActiveWebhook> webhooks, Func<string, int> freeSlots, int globalFree, int rotation, List<DeliveryJob> jobs)
    {
        if (webhooks.Count == 0 || globalFree <= 0)
        {
            return;
        }

        var claimed = new List<(ClaimedDelivery Delivery, ActiveWebhook Webhook)>();
        for (var i = 0; i < webhooks.Count && globalFree > 0; i++)
        {
            // Start at a different endpoint each cycle so the global cap never starves the same ones.
            var webhook = webhooks[(i + rotation) % webhooks.Count];
            var free = Math.Min(freeSlots(webhook.Id), globalFree);
            if (free > 0 && tx.Dialect.IsPostgres)
            {
                free = Math.Min(free, await SharedFreeSlotsAsync(tx, webhook.Id));
            }

            if (free <= 0)
            {
                continue;
            }

            // The picks are materialised once: as an IN (subquery), PostgreSQL may rescan the LIMIT for every row
            // and, among rows due at the same instant, pick others each time, updating more than the free slots.
            var rows = (await tx.QueryAsync<ClaimedDelivery>($"""
                WITH picked AS MATERIALIZED (
                    SELECT id FROM webhook_deliveries
                    WHERE webhook_id = @webhookId AND status IN ('pending', 'sending') AND status = 'pending' AND next_attempt_at <= @Now
                    ORDER BY next_attempt_at
                    LIMIT @free{tx.Dialect.SkipLocked("webhook_deliveries")})
                UPDATE webhook_deliveries
                SET status = 'sending', claimed_until = @until, node_id = @node, updated_at = @Now
                WHERE id IN (SELECT id FROM picked) AND status = 'pending'
                RETURNING id, webhook_id, org_id, event_seq, event_id, attempts, kind
                """, new { webhookId = webhook.Id, free, until = tx.Now + _lease, node = node.Id, tx.Now })).ToList();
            globalFree -= rows.Count;
            claimed.AddRange(rows.Select(r => (r, webhook)));
        }

        if (claimed.Count == 0)
        {
            return;
        }

        var seqs = claimed.Select(c => c.Delivery.EventSeq).Distinct().ToArray();
        var events = (await tx.QueryAsync<StoredEvent>(
            "SELECT seq, id, org_id, type, data, created_at FROM events WHERE seq IN @seqs", new { seqs })).ToDictionary(e => e.Seq);
        var bodies = new Dictionary<long, byte[]>();
        foreach (var (delivery, webhook) in claimed)
        {
            if (!bodies.TryGetValue(delivery.EventSeq, out var body))
            {
                body = Encoding.UTF8.GetBytes(events[delivery.EventSeq].ToEnvelopeJson());
                bodies[delivery.EventSeq] = body;
            }

            var previous = webhook.PreviousSecret is not null && webhook.PreviousSecretUntil > tx.Now ? Secret(webhook.PreviousSecret) : null;
            jobs.Add(new DeliveryJob(delivery, new Uri(webhook.Url), Secret(webhook.Secret), previous, body, cancellation.TokenFor(webhook.Id)));
        }
    }

    /// <summary>
    /// With several nodes the endpoint's cap counts every node's claims (nothing is claimed ahead of the cap), and one
    /// node at a time counts them, under a lock held until its claim commits.
    /// </summary>
    private async Task<int> SharedFreeSlotsAsync(StoreTransaction tx, string webhookId)
    {
        await tx.LockAsync($"webhook-claims:{webhookId}");
        var inFlight = await tx.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM webhook_deliveries WHERE webhook_id = @webhookId AND status IN ('pending', 'sending') AND status = 'sending'", new { webhookId });
        return options.Value.MaxConcurrencyPerEndpoint - inFlight;
    }

    /// <summary>
    /// At start nothing of ours is in flight: every claim this node left by a stop or a crash goes back to pending.
    /// On PostgreSQL only this node's claims (and unstamped ones from before claims were stamped): the other nodes'
    /// requests are still running.
    /// </summary>
    public Task<int> RecoverAsync(StoreTransaction tx) =>
        ResetAsync(tx, tx.Dialect.IsPostgres ? "(node_id = @node OR node_id IS NULL)" : "1 = 1", node.Id);

    /// <summary>The claims of a node that fell silent go back to pending (a survivor sends them).</summary>
    public static Task<int> RecoverNodeAsync(StoreTransaction tx, string nodeId) => ResetAsync(tx, "node_id = @node", nodeId);

    private static Task<int> ResetAsync(StoreTransaction tx, string whose, string nodeId) =>
        tx.ExecuteAsync($"""
            UPDATE webhook_deliveries
            SET status = 'pending', claimed_until = NULL, node_id = NULL, next_attempt_at = coalesce(next_attempt_at, @Now), updated_at = @Now
            WHERE status IN ('pending', 'sending') AND status = 'sending' AND {whose}
            """, new { tx.Now, node = nodeId });

    /// <summary>
    /// The earliest future attempt of an active endpoint, to sleep until (due ones wait for a free slot, and a
    /// finished attempt wakes the dispatcher). One index seek per endpoint, however long the backlog.
    /// </summary>
    public static Task<DateTimeOffset?> NextDueAsync(StoreTransaction tx) =>
        tx.ExecuteScalarAsync<DateTimeOffset?>("""
            SELECT min((SELECT min(d.next_attempt_at) FROM webhook_deliveries d
                         WHERE d.webhook_id = w.id AND d.status IN ('pending', 'sending') AND d.status = 'pending' AND d.next_attempt_at > @Now))
            FROM webhooks w WHERE w.active = 1 AND w.deleted_at IS NULL
            """, new { tx.Now });

    private WebhookSecret Secret(string sealedSecret)
    {
        if (_secrets.TryGetValue(sealedSecret, out var secret))
        {
            return secret;
        }

        if (_secrets.Count > 10_000)
        {
            _secrets.Clear();
        }

        secret = WebhookSecret.FromHex(protector.Unprotect(sealedSecret));
        _secrets[sealedSecret] = secret;
        return secret;
    }
}
