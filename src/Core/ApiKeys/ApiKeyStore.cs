using System.Net;
using System.Text.Json;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Paging;
using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.ApiKeys;

public sealed record NewApiKey(string Name, Scope Scope, IReadOnlyList<string>? IpAllowlist = null, DateTimeOffset? ExpiresAt = null, int? RateLimitPerMinute = null);

public sealed record CreatedApiKey(ApiKey Key, string FullKey);

/// <summary>Why a presented key was refused; all of these are refused as unauthorized without telling which.</summary>
public enum KeyRefusal
{
    None,
    Malformed,
    Unknown,
    Revoked,
    Expired,
}

/// <summary>API keys: creation (the full key leaves exactly once), listing, revocation and authentication.</summary>
public sealed class ApiKeyStore(ApplianceStore store, TimeProvider time)
{
    private const string Columns = "id, org_id, name, prefix, secret_hash, scope, ip_allowlist, expires_at, rate_limit_per_minute, created_at, revoked_at, last_used_at";

    private static readonly string AuthenticateSql = $"""
        SELECT {string.Join(", ", Columns.Split(", ").Select(c => "k." + c))}, o.rate_limit_per_minute AS org_rate_limit_per_minute
        FROM api_keys k JOIN orgs o ON o.id = k.org_id
        WHERE k.prefix = @prefix
        """;

    public Task<CreatedApiKey> CreateAsync(string orgId, NewApiKey request, CancellationToken cancellationToken = default) =>
        store.WriteAsync(tx => CreateAsync(tx, orgId, request), cancellationToken);

    public async Task<CreatedApiKey> CreateAsync(StoreTransaction tx, string orgId, NewApiKey request)
    {
        Validate(request, tx.Now);
        var (fullKey, prefix) = ApiKeySecret.Generate();
        var key = await tx.QuerySingleAsync<ApiKey>($"""
            INSERT INTO api_keys (id, org_id, name, prefix, secret_hash, scope, ip_allowlist, expires_at, rate_limit_per_minute, created_at)
            VALUES (@Id, @OrgId, @Name, @Prefix, @SecretHash, @Scope, @IpAllowlist, @ExpiresAt, @RateLimitPerMinute, @Now)
            RETURNING {Columns}
            """, new
        {
            Id = Ids.New(tx.Now),
            OrgId = orgId,
            Name = request.Name.Trim(),
            Prefix = prefix,
            SecretHash = ApiKeySecret.Hash(fullKey),
            Scope = request.Scope.Name(),
            IpAllowlist = JsonSerializer.Serialize((request.IpAllowlist ?? []).Select(NormalizeNetwork).ToArray()),
            request.ExpiresAt,
            request.RateLimitPerMinute,
            tx.Now,
        });
        return new CreatedApiKey(key, fullKey);
    }

    public Task<Page<ApiKey>> ListAsync(string orgId, PageRequest page, CancellationToken cancellationToken = default) =>
        store.ReadAsync(async connection =>
        {
            var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT count(*) FROM api_keys WHERE org_id = @orgId", new { orgId }, cancellationToken: cancellationToken));
            var rows = await connection.QueryAsync<ApiKey>(new CommandDefinition(
                $"SELECT {Columns} FROM api_keys WHERE org_id = @orgId ORDER BY id DESC LIMIT @Limit OFFSET @Offset",
                new { orgId, page.Limit, page.Offset }, cancellationToken: cancellationToken));
            return new Page<ApiKey>(rows.ToList(), page, total);
        }, cancellationToken);

    public Task<ApiKey?> GetAsync(string orgId, string id, CancellationToken cancellationToken = default) =>
        store.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<ApiKey>(new CommandDefinition(
            $"SELECT {Columns} FROM api_keys WHERE org_id = @orgId AND id = @id", new { orgId, id }, cancellationToken: cancellationToken)), cancellationToken);

    /// <summary>Revokes a key of the org; the very next request with it is refused.</summary>
    public Task<ApiKey> RevokeAsync(string orgId, string id, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var key = await tx.QuerySingleOrDefaultAsync<ApiKey>($"""
                UPDATE api_keys SET revoked_at = coalesce(revoked_at, @Now)
                WHERE org_id = @orgId AND id = @id
                RETURNING {Columns}
                """, new { orgId, id, tx.Now });
            return key ?? throw ApplianceException.NotFound("API key", "id");
        }, cancellationToken);

    /// <summary>Finds the key a request presents and says why it is refused, comparing hashes in constant time.</summary>
    public async Task<(ApiKey? Key, KeyRefusal Refusal)> AuthenticateAsync(string presented, CancellationToken cancellationToken = default)
    {
        var prefix = ApiKeySecret.PrefixOf(presented);
        if (prefix is null)
        {
            return (null, KeyRefusal.Malformed);
        }

        var key = await store.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<ApiKey>(new CommandDefinition(
            AuthenticateSql, new { prefix }, cancellationToken: cancellationToken)), cancellationToken);
        if (key is null || !ApiKeySecret.Matches(presented, key.SecretHash))
        {
            return (null, KeyRefusal.Unknown);
        }

        if (key.RevokedAt is not null)
        {
            return (null, KeyRefusal.Revoked);
        }

        if (key.ExpiresAt is { } expires && expires <= time.GetUtcNow())
        {
            return (null, KeyRefusal.Expired);
        }

        return (key, KeyRefusal.None);
    }

    /// <summary>Records use at most once a minute per key, so authentication stays a read.</summary>
    public Task TouchAsync(ApiKey key, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        if (key.LastUsedAt is { } last && now - last < TimeSpan.FromMinutes(1))
        {
            return Task.CompletedTask;
        }

        return store.WriteAsync(tx => tx.ExecuteAsync(
            "UPDATE api_keys SET last_used_at = @Now WHERE id = @Id", new { tx.Now, key.Id }), cancellationToken);
    }

    /// <summary>A bare address becomes its single-host block, so every stored entry is CIDR.</summary>
    private static string NormalizeNetwork(string entry)
    {
        entry = entry.Trim();
        if (IPNetwork.TryParse(entry, out var network))
        {
            return network.ToString();
        }

        var address = IPAddress.Parse(entry);
        return new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128).ToString();
    }

    private static void Validate(NewApiKey request, DateTimeOffset now)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Trim().Length > 100)
        {
            errors.Add("name", "name must be 1 to 100 characters");
        }

        foreach (var (entry, index) in (request.IpAllowlist ?? []).Select((e, i) => (e, i)))
        {
            if (!IPNetwork.TryParse(entry?.Trim(), out _) && !IPAddress.TryParse(entry?.Trim(), out _))
            {
                errors.Add("ip_allowlist", $"ip_allowlist[{index}] must be an address or CIDR block, e.g. 203.0.113.0/24");
            }
        }

        if (request.ExpiresAt is { } expires && expires <= now)
        {
            errors.Add("expires_at", "expires_at must be in the future");
        }

        if (request.RateLimitPerMinute is < 1 or > 1_000_000)
        {
            errors.Add("rate_limit_per_minute", "rate_limit_per_minute must be from 1 to 1000000");
        }

        errors.ThrowIfAny();
    }
}
