using System.Text.Json;
using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Json;
using Cualify.Appliance.Relay.Connectors;
using Cualify.Appliance.Relay.Connectors.Inbound;

namespace Cualify.Appliance.LocalApi.Connectors;

/// <summary>
/// <c>POST /connectors</c>. <c>credentials</c>: HubSpot <c>{access_token}</c> or <c>{client_id, client_secret,
/// refresh_token}</c>, plus <c>app_secret</c> to verify signed requests from HubSpot; Zoho <c>{client_id,
/// client_secret, refresh_token}</c>. Write-only: no answer ever shows them.
/// </summary>
public sealed record CreateConnectorRequest(string? Kind, string? Name, ConnectorCredentialsInput? Credentials, ConnectorOptionsInput? Options);

public sealed record ConnectorCredentialsInput(string? AccessToken, string? ClientId, string? ClientSecret, string? RefreshToken, string? AppSecret);

/// <summary>The options of §7, each optional with the contract's default.</summary>
public sealed record ConnectorOptionsInput(
    string? ApiVersion,
    string? BaseUrl,
    bool? CreateContacts,
    string? OptOutProperty,
    string? InboundTemplateId,
    bool? InboundAutoApprove,
    IReadOnlyDictionary<string, string>? InboundMapping,
    string? AccountsUrl,
    string? TimeZone,
    string? ExternalIdField,
    string? CreateAs,
    int? Concurrency);

/// <summary><c>PATCH /connectors/{id}</c>: new credentials clear <c>auth_failed</c> and the syncs waiting resume; <c>enabled: false</c> disables.</summary>
public sealed record UpdateConnectorRequest(string? Name, ConnectorCredentialsInput? Credentials, ConnectorOptionsInput? Options, bool? Enabled);

/// <summary>A connector with its health; never its credentials or inbound secret.</summary>
public sealed record ConnectorView(
    string Id,
    string Kind,
    string Name,
    string Status,
    string InboundUrl,
    JsonElement Options,
    DateTimeOffset? TokenExpiresAt,
    int? RateLimitRemaining,
    long Backlog,
    DateTimeOffset? LastSyncedAt,
    string? LastError,
    DateTimeOffset? PausedUntil,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static ConnectorView From(Connector c, string inboundUrl, long backlog) => new(
        c.Id, c.Kind, c.Name, c.Status, inboundUrl, ApplianceJson.Element(c.Options), c.TokenExpiresAt, c.RateLimitRemaining, backlog,
        c.LastSyncedAt, c.LastError, c.PausedUntil, c.CreatedAt, c.UpdatedAt);
}

/// <summary>Creation: the inbound secret appears here and nowhere else.</summary>
public sealed record ConnectorSecretView(ConnectorView Data, string InboundSecret);

public sealed record ConnectorCheckView(string Name, bool Ok, string Detail);

public sealed record ConnectorTestView(bool Ok, IReadOnlyList<ConnectorCheckView> Checks)
{
    public static ConnectorTestView From(ConnectorTestResult result) => new(result.Ok, result.Checks.Select(c => new ConnectorCheckView(c.Name, c.Ok, c.Detail)).ToList());
}

/// <summary>One CRM write: <c>object</c> call, email or contact (an opt-out), and the CRM's id once written.</summary>
public sealed record ConnectorSyncView(
    string Id,
    string Object,
    string ObjectId,
    string? CrmObjectId,
    string Status,
    int Attempts,
    string? LastError,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static ConnectorSyncView From(ConnectorSync s) => new(
        s.Id, s.Object, s.ObjectId, s.CrmObjectId, s.Status == "sending" ? "pending" : s.Status, s.Attempts, s.LastError, s.NextAttemptAt, s.CreatedAt, s.UpdatedAt);
}

/// <summary>One inbound request: its verdict, and what it started once processed.</summary>
public sealed record ConnectorInboundView(string Id, DateTimeOffset ReceivedAt, string Verdict, string Status, string? EnrollmentId, string? Error, DateTimeOffset? ProcessedAt)
{
    public static ConnectorInboundView From(InboundEntry e) => new(e.Id, e.ReceivedAt, e.Verdict, e.Status, e.EnrollmentId, e.Error, e.ProcessedAt);
}

public sealed record InboundAcceptedView(string Id, string Status);

public sealed record DeletedConnectorView(string Id, bool Deleted);

/// <summary>
/// What a CRM posts to the inbound URL, documented by its common shape: a HubSpot workflow webhook's contact
/// (<c>objectId</c>, <c>properties</c>) or a Zoho workflow webhook's fields. Any JSON or form body is read.
/// </summary>
public sealed record InboundPayload(long? ObjectId, JsonObject? Properties);
