using System.Net;
using System.Text.Json;

namespace Cualify.Appliance.Core.ApiKeys;

/// <summary>A stored key: never the secret, only its SHA-256 and the public prefix.</summary>
public sealed class ApiKey
{
    public string Id { get; init; } = "";

    public string OrgId { get; init; } = "";

    public string Name { get; init; } = "";

    public string Prefix { get; init; } = "";

    public byte[] SecretHash { get; init; } = [];

    public string Scope { get; init; } = "";

    public string IpAllowlist { get; init; } = "[]";

    public DateTimeOffset? ExpiresAt { get; init; }

    public int? RateLimitPerMinute { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }

    public DateTimeOffset? LastUsedAt { get; init; }

    /// <summary>The owning org's request limit, filled when a key is authenticated.</summary>
    public int OrgRateLimitPerMinute { get; init; }

    public Scope ScopeValue => Enum.Parse<Scope>(Scope, ignoreCase: true);

    /// <summary>The form shown after creation: <c>cuk_live_abc12345_…</c>.</summary>
    public string Masked => $"{ApiKeySecret.Prefix}{Prefix}_…";

    public IReadOnlyList<string> AllowlistEntries => JsonSerializer.Deserialize<string[]>(IpAllowlist) ?? [];

    public bool AllowsAddress(IPAddress? address)
    {
        var entries = AllowlistEntries;
        if (entries.Count == 0)
        {
            return true;
        }

        if (address is null)
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return entries.Any(entry => IPNetwork.TryParse(entry, out var network) && network.Contains(address));
    }
}
