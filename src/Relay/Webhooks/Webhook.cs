using System.Text.Json;

namespace Cualify.Appliance.Relay.Webhooks;

/// <summary>A registered endpoint as stored: its secrets are sealed and never leave the relay in clear.</summary>
public sealed class Webhook
{
    public string Id { get; init; } = "";

    public string OrgId { get; init; } = "";

    public string Url { get; init; } = "";

    public string Events { get; init; } = "[]";

    public string? Description { get; init; }

    public string Secret { get; init; } = "";

    public string? PreviousSecret { get; init; }

    public DateTimeOffset? PreviousSecretUntil { get; init; }

    public bool Active { get; init; }

    public string? DisabledReason { get; init; }

    public DateTimeOffset? DisabledAt { get; init; }

    public long FromSeq { get; init; }

    public DateTimeOffset? LastDeliveryAt { get; init; }

    public int? LastStatus { get; init; }

    public int ConsecutiveFailures { get; init; }

    public DateTimeOffset? FailingSince { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }

    public IReadOnlyList<string> EventTypes => JsonSerializer.Deserialize<string[]>(Events) ?? [];

    public const string Columns = """
        id, org_id, url, events, description, secret, previous_secret, previous_secret_until, active, disabled_reason, disabled_at,
        from_seq, last_delivery_at, last_status, consecutive_failures, failing_since, created_at, updated_at, deleted_at
        """;
}

/// <summary>Why the relay turned an endpoint off; the stable values of <c>disabled_reason</c>.</summary>
public static class DisabledReason
{
    /// <summary>The receiver answered <c>410 Gone</c>.</summary>
    public const string EndpointGone = "endpoint_gone";

    /// <summary>Every delivery failed for 72 hours.</summary>
    public const string Failing72Hours = "failing_72h";
}
