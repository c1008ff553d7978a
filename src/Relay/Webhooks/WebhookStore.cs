using System.Text.Json;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Paging;
using Cualify.Appliance.Core.Secrets;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Relay.Addresses;
using Cualify.Appliance.Relay.Delivery;
using Cualify.Appliance.Relay.Signing;
using Dapper;

namespace Cualify.Appliance.Relay.Webhooks;

public sealed record NewWebhook(string? Url, IReadOnlyList<string>? Events, string? Description);

/// <summary>A webhook with the secret it signs with, returned only by creation and rotation.</summary>
public sealed record WebhookWithSecret(Webhook Webhook, WebhookSecret Secret);

/// <summary>
/// An org's webhook endpoints: registration (URL rules, event types, a fresh secret sealed at rest), listing,
/// immediate deletion, re-enabling and secret rotation with a grace period for the old secret.
/// </summary>
public sealed class WebhookStore(ApplianceStore store, SecretProtector protector, WebhookAddressPolicy policy, DeliveryCancellation cancellation)
{
    public const int MaxPerOrg = 100;
    public static readonly TimeSpan RotationGrace = TimeSpan.FromHours(24);

    public async Task<WebhookWithSecret> CreateAsync(string orgId, NewWebhook request, CancellationToken cancellationToken = default)
    {
        var (url, events, description) = Validate(request);
        if (await policy.CheckResolvedAsync(new Uri(url), cancellationToken) is { } refusal)
        {
            throw new FieldErrors().Add("url", refusal).ToException();
        }

        var secret = WebhookSecret.Generate();
        return await store.WriteAsync(async tx =>
        {
            var count = await tx.ExecuteScalarAsync<long>("SELECT count(*) FROM webhooks WHERE org_id = @orgId AND deleted_at IS NULL", new { orgId });
            if (count >= MaxPerOrg)
            {
                throw ApplianceException.Conflict($"An org may have at most {MaxPerOrg} webhooks; delete one first");
            }

            var webhook = await tx.QuerySingleAsync<Webhook>($"""
                INSERT INTO webhooks (id, org_id, url, events, description, secret, from_seq, created_at, updated_at)
                VALUES (@Id, @OrgId, @Url, @Events, @Description, @Secret, (SELECT coalesce(max(seq), 0) FROM events), @Now, @Now)
                RETURNING {Webhook.Columns}
                """, new
            {
                Id = Ids.New(tx.Now),
                OrgId = orgId,
                Url = url,
                Events = JsonSerializer.Serialize(events),
                Description = description,
                Secret = protector.Protect(secret.Hex!),
                tx.Now,
            });
            return new WebhookWithSecret(webhook, secret);
        }, cancellationToken);
    }

    public Task<Page<Webhook>> ListAsync(string orgId, PageRequest page, CancellationToken cancellationToken = default) =>
        ListQuery.OfOrg("webhooks", Webhook.Columns).Where("deleted_at IS NULL").ReadAsync<Webhook>(store, new { OrgId = orgId }, page, cancellationToken);

    public async Task<Webhook> RequireAsync(string orgId, string id, CancellationToken cancellationToken = default) =>
        await store.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<Webhook>(new CommandDefinition(
            $"SELECT {Webhook.Columns} FROM webhooks WHERE org_id = @orgId AND id = @id AND deleted_at IS NULL", new { orgId, id }, cancellationToken: cancellationToken)), cancellationToken)
        ?? throw ApplianceException.NotFound("Webhook", "id");

    public static async Task<Webhook> RequireAsync(StoreTransaction tx, string orgId, string id) =>
        await tx.QuerySingleOrDefaultAsync<Webhook>(
            $"SELECT {Webhook.Columns} FROM webhooks WHERE org_id = @orgId AND id = @id AND deleted_at IS NULL", new { orgId, id })
        ?? throw ApplianceException.NotFound("Webhook", "id");

    /// <summary>
    /// Deletes at once: pending deliveries are cancelled, requests in flight are aborted and their outcome is
    /// recorded without any retry. Nothing more is sent to the URL.
    /// </summary>
    public Task DeleteAsync(string orgId, string id, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var deleted = await tx.ExecuteAsync("""
                UPDATE webhooks SET deleted_at = @Now, active = 0, updated_at = @Now
                WHERE org_id = @orgId AND id = @id AND deleted_at IS NULL
                """, new { orgId, id, tx.Now });
            if (deleted == 0)
            {
                throw ApplianceException.NotFound("Webhook", "id");
            }

            await tx.ExecuteAsync("""
                UPDATE webhook_deliveries
                SET status = 'canceled', next_attempt_at = NULL, claimed_until = NULL, last_error = 'webhook deleted', finished_at = @Now, updated_at = @Now
                WHERE webhook_id = @id AND status IN ('pending', 'sending')
                """, new { id, tx.Now });
            tx.AfterCommit(() => cancellation.CancelWebhook(id));
        }, cancellationToken);

    /// <summary>Turns a disabled endpoint back on, with a clean failure record.</summary>
    public Task<Webhook> EnableAsync(string orgId, string id, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            await RequireAsync(tx, orgId, id);
            tx.AfterCommit(() => cancellation.Resume(id));
            return await tx.QuerySingleAsync<Webhook>($"""
                UPDATE webhooks
                SET active = 1, disabled_reason = NULL, disabled_at = NULL, consecutive_failures = 0, failing_since = NULL, updated_at = @Now
                WHERE id = @id
                RETURNING {Webhook.Columns}
                """, new { id, tx.Now });
        }, cancellationToken);

    /// <summary>A new secret; the old one keeps signing beside it for <see cref="RotationGrace"/>.</summary>
    public Task<WebhookWithSecret> RotateSecretAsync(string orgId, string id, CancellationToken cancellationToken = default)
    {
        var secret = WebhookSecret.Generate();
        return store.WriteAsync(async tx =>
        {
            var current = await RequireAsync(tx, orgId, id);
            var webhook = await tx.QuerySingleAsync<Webhook>($"""
                UPDATE webhooks
                SET secret = @Secret, previous_secret = @Previous, previous_secret_until = @Until, updated_at = @Now
                WHERE id = @id
                RETURNING {Webhook.Columns}
                """, new { id, Secret = protector.Protect(secret.Hex!), Previous = current.Secret, Until = tx.Now + RotationGrace, tx.Now });
            return new WebhookWithSecret(webhook, secret);
        }, cancellationToken);
    }

    private (string Url, string[] Events, string? Description) Validate(NewWebhook request)
    {
        var errors = new FieldErrors();
        if (policy.Check(request.Url, out var uri) is { } refusal)
        {
            errors.Add("url", refusal);
        }

        var events = (request.Events ?? []).Select(e => e?.Trim() ?? "").Distinct(StringComparer.Ordinal).ToArray();
        if (events.Length == 0)
        {
            errors.Add("events", "events must list at least one event type, e.g. [\"call.completed\"], or [\"*\"] for all");
        }

        foreach (var type in events.Where(t => t != EventCatalog.All && !EventCatalog.IsKnown(t)))
        {
            errors.Add("events", $"'{type}' is not an event type; known types: {string.Join(", ", EventCatalog.Types)}");
        }

        var description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description.Trim();
        if (description is { Length: > 500 })
        {
            errors.Add("description", "description must be at most 500 characters");
        }

        errors.ThrowIfAny();
        return (uri!.AbsoluteUri, events.Contains(EventCatalog.All) ? [EventCatalog.All] : events, description);
    }
}
