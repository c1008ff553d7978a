using Cualify.Appliance.Core.ApiKeys;

namespace Cualify.Appliance.LocalApi.ApiKeys;

public sealed record CreateApiKeyRequest(string? Name, string? Scope, IReadOnlyList<string>? IpAllowlist, DateTimeOffset? ExpiresAt, int? RateLimitPerMinute);

/// <summary>A key as listed: masked, never the secret.</summary>
public sealed record ApiKeyView(
    string Id,
    string Name,
    string Prefix,
    string Scope,
    IReadOnlyList<string> IpAllowlist,
    DateTimeOffset? ExpiresAt,
    int? RateLimitPerMinute,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt,
    DateTimeOffset? LastUsedAt)
{
    public static ApiKeyView From(ApiKey key) => new(
        key.Id, key.Name, key.Masked, key.Scope, key.AllowlistEntries, key.ExpiresAt, key.RateLimitPerMinute, key.CreatedAt, key.RevokedAt, key.LastUsedAt);
}

/// <summary>The creation response: the full key appears here and nowhere else, ever.</summary>
public sealed record CreatedApiKeyView(ApiKeyView Data, string Key);

public sealed record KeyCheckView(KeyCheckOrg Org, ApiKeyView Key, KeyCheckLimits Limits, string? ClientIp);

public sealed record KeyCheckOrg(string Id, string Name);

public sealed record KeyCheckLimits(int OrgRateLimitPerMinute, int? KeyRateLimitPerMinute, int EffectiveRateLimitPerMinute);
