namespace Cualify.Appliance.Relay.Connectors;

/// <summary>A CRM connector as stored: credentials and the inbound secret are sealed and never leave the relay in clear.</summary>
public sealed class Connector
{
    public const string Columns = """
        id, org_id, kind, name, credentials, options, inbound_secret, status, paused_until, token_expires_at, rate_limit_remaining,
        last_synced_at, last_error, from_seq, created_at, updated_at, deleted_at
        """;

    public string Id { get; init; } = "";

    public string OrgId { get; init; } = "";

    public string Kind { get; init; } = "";

    public string Name { get; init; } = "";

    public string Credentials { get; init; } = "";

    public string Options { get; init; } = "{}";

    public string InboundSecret { get; init; } = "";

    public string Status { get; init; } = ConnectorStatus.Healthy;

    public DateTimeOffset? PausedUntil { get; init; }

    public DateTimeOffset? TokenExpiresAt { get; init; }

    public int? RateLimitRemaining { get; init; }

    public DateTimeOffset? LastSyncedAt { get; init; }

    public string? LastError { get; init; }

    public long FromSeq { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }

    public ConnectorOptionsJson ParsedOptions => ConnectorOptionsJson.Parse(Options);
}

/// <summary>The stable values of a connector's <c>status</c>.</summary>
public static class ConnectorStatus
{
    public const string Healthy = "healthy";

    /// <summary>Writing, but something limits it (a daily API limit reached, failures in a row).</summary>
    public const string Degraded = "degraded";

    /// <summary>The CRM refused the credentials; syncs wait until new ones are set with PATCH.</summary>
    public const string AuthFailed = "auth_failed";

    public const string Disabled = "disabled";

    public static readonly IReadOnlyList<string> All = [Healthy, Degraded, AuthFailed, Disabled];
}

public static class ConnectorKinds
{
    public const string HubSpot = "hubspot";

    public const string Zoho = "zoho";
}

/// <summary>Events the connectors emit.</summary>
public static class ConnectorEvents
{
    public const string SyncFailed = "connector.sync_failed";

    public const string AuthFailed = "connector.auth_failed";
}
