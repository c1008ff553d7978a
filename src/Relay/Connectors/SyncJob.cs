using System.Text.Json;

namespace Cualify.Appliance.Relay.Connectors;

/// <summary>The contact a record is written for, as the appliance knows it.</summary>
public sealed record SyncContact(string? Email, string? PhoneE164, string? FirstName, string? LastName);

/// <summary>
/// One sync claimed for one attempt. <see cref="PriorAttempts"/> &gt; 0 with no <see cref="CrmObjectId"/> means an
/// earlier attempt's outcome is unknown (a timeout, a crash): the writer looks the record up before creating it.
/// </summary>
public sealed record SyncJob(string SyncId, string Object, string ObjectId, int PriorAttempts, string? CrmObjectId, JsonElement Data, SyncContact? Contact, string? EmailBody, string? PlaybookName = null)
{
    public bool OutcomeUnknown => PriorAttempts > 0 && CrmObjectId is null;
}

public sealed record ConnectorBatch(Connector Connector, IReadOnlyList<SyncJob> Jobs);

public enum SyncEnd
{
    /// <summary>The CRM holds the record; its id is kept.</summary>
    Synced,

    /// <summary>The attempt failed; it counts, and the sync waits for its next time on the relay's schedule.</summary>
    Retry,

    /// <summary>
    /// No answer (a timeout, a reset): the CRM may hold the record. Retried like <see cref="Retry"/>, but no sooner than
    /// <c>Connectors:LookupSettle</c>, so the lookup that comes first sees what the CRM wrote (HubSpot's search is
    /// eventually consistent).
    /// </summary>
    Unknown,

    /// <summary>Nothing was written and nothing is unknown (rate limit, refused credentials): back to pending, not counted.</summary>
    Requeue,

    /// <summary>The CRM refused the record for good (a 4xx that no retry changes).</summary>
    Failed,
}

public sealed record SyncOutcome(string SyncId, SyncEnd End, string? CrmObjectId, string? Error, TimeSpan? Wait = null);

/// <summary>
/// What one batch taught about the connector, written with its outcomes. <see cref="PausedUntil"/> pauses it as
/// <c>degraded</c> (a daily limit); <see cref="HoldUntil"/> only keeps its next batch back (a 429's wait).
/// </summary>
public sealed record ConnectorHealth(
    string? LastError,
    int? RateLimitRemaining,
    DateTimeOffset? TokenExpiresAt,
    bool AuthFailed = false,
    DateTimeOffset? PausedUntil = null,
    int RateLimitWaits = 0,
    int TokenRefreshes = 0,
    DateTimeOffset? HoldUntil = null);

public sealed record BatchResult(ConnectorBatch Batch, IReadOnlyList<SyncOutcome> Outcomes, ConnectorHealth Health);

/// <summary>Writes one batch of syncs into one CRM.</summary>
public interface ICrmWriter
{
    string Kind { get; }

    Task<BatchResult> WriteAsync(ConnectorBatch batch, CancellationToken cancellationToken);
}
