using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Secrets;

namespace Cualify.Appliance.Core.Store;

/// <summary>
/// Brings a store up to date (migrations, the secret key checked against the store, then do-not-contact digests keyed with this install's secret) and, on a fresh one, creates org <c>default</c> with its first admin key.
/// The key is returned exactly once, to be printed; only its hash is kept.
/// </summary>
public sealed class ApplianceInitializer(ApplianceStore store, Migrator migrator, SecretKeyCanary canary, OrgStore orgs, ApiKeyStore keys)
{
    public sealed record Result(IReadOnlyList<string> AppliedMigrations, string? FirstAdminKey);

    public async Task<Result> InitializeAsync(CancellationToken cancellationToken = default)
    {
        var applied = await migrator.MigrateAsync(cancellationToken);
        // The key must be the store's own before anything is keyed with it (a restore without secrets.key stops here).
        await canary.VerifyOrSealAsync(cancellationToken);
        await store.WriteAsync(DoNotContactList.RekeyAsync, cancellationToken);
        var firstKey = await store.WriteAsync(async tx =>
        {
            if (await tx.ExecuteScalarAsync<long>("SELECT count(*) FROM orgs") > 0)
            {
                return null;
            }

            var org = await orgs.CreateAsync(tx, OrgStore.DefaultName);
            var created = await keys.CreateAsync(tx, org.Id, new NewApiKey("first admin key", Scope.Admin));
            return created.FullKey;
        }, cancellationToken);
        return new Result(applied, firstKey);
    }
}
