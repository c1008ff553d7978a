using System.Security.Cryptography;
using Cualify.Appliance.Core.Store;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Core.Secrets;

/// <summary>
/// A known value sealed with the secret key and kept in the store (table <c>secret_key_check</c>), so that a
/// store started, restored or checked with the wrong <c>secrets.key</c> is caught at once instead of failing
/// later on every stored secret — or worse, mixing secrets sealed under two keys.
/// </summary>
public sealed class SecretKeyCanary(ApplianceStore store, IOptions<StoreOptions> options, IServiceProvider services)
{
    private const string Known = "cualify-appliance secret key check";

    /// <summary>Seals the canary on a store that has none; throws when the store's canary was sealed under another key.</summary>
    /// <exception cref="SecretKeyMismatchException">The key does not belong to this store.</exception>
    public async Task VerifyOrSealAsync(CancellationToken cancellationToken = default)
    {
        var sealedValue = await store.ReadAsync(c => c.ExecuteScalarAsync<string?>(
            new CommandDefinition("SELECT sealed FROM secret_key_check WHERE id = 1", cancellationToken: cancellationToken)), cancellationToken);
        var keyFile = SecretProtector.KeyFilePath(options.Value);
        if (sealedValue is not null && string.IsNullOrWhiteSpace(options.Value.SecretKey) && !File.Exists(keyFile))
        {
            // Do not let SecretProtector create a new key: the store's secrets were sealed with the missing one.
            throw new SecretKeyMismatchException(store.Path, $"{keyFile} is missing");
        }

        var protector = services.GetRequiredService<SecretProtector>();
        if (sealedValue is null)
        {
            var fresh = protector.Protect(Known);
            await store.WriteAsync(tx => tx.ExecuteAsync(
                "INSERT INTO secret_key_check (id, sealed, created_at) VALUES (1, @fresh, @Now) ON CONFLICT (id) DO NOTHING",
                new { fresh, tx.Now }), cancellationToken);
            return;
        }

        if (!Matches(protector, sealedValue))
        {
            throw new SecretKeyMismatchException(store.Path);
        }
    }

    /// <summary>True when <paramref name="sealedValue"/> opens with the key of <paramref name="protector"/>.</summary>
    public static bool Matches(SecretProtector protector, string sealedValue)
    {
        try
        {
            return protector.Unprotect(sealedValue) == Known;
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            return false;
        }
    }
}

public sealed class SecretKeyMismatchException(string storePath, string problem = "the secret key (Store:SecretKeyFile, secrets.key beside the store, or Store:SecretKey) is not the one it was created with")
    : Exception($"The store {storePath} holds secrets sealed with its own key, and {problem}, so they cannot be read. " +
        "Put back the secrets.key that belongs to this store (it was kept beside it, or with your backups) and start again.");
