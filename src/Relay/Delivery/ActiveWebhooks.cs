using System.Text.Json;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Relay.Delivery;

/// <summary>An endpoint that may receive deliveries now, as the dispatcher needs it.</summary>
internal sealed class ActiveWebhook
{
    private string[]? _types;

    public string Id { get; init; } = "";

    public string OrgId { get; init; } = "";

    public string Url { get; init; } = "";

    public string Events { get; init; } = "[]";

    public long FromSeq { get; init; }

    public string Secret { get; init; } = "";

    public string? PreviousSecret { get; init; }

    public DateTimeOffset? PreviousSecretUntil { get; init; }

    public IReadOnlyList<string> Types => _types ??= JsonSerializer.Deserialize<string[]>(Events) ?? [];

    public static async Task<IReadOnlyList<ActiveWebhook>> LoadAsync(StoreTransaction tx) =>
        (await tx.QueryAsync<ActiveWebhook>("""
            SELECT id, org_id, url, events, from_seq, secret, previous_secret, previous_secret_until
            FROM webhooks WHERE active = 1 AND deleted_at IS NULL
            ORDER BY id
            """)).ToList();
}
