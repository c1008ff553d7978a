using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Dapper;
using Cualify.Appliance.Core.Secrets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Core.Tests.Store;

public sealed class MigratorTests
{
    [Theory, ClassData(typeof(StoreProviders))]
    public async Task A_migrated_store_has_every_migration_once(string provider)
    {
        await using var core = await CoreHarness.CreateAsync(provider);
        var migrator = core.Get<Migrator>();
        Assert.Empty(await migrator.PendingAsync());
        Assert.Empty(await migrator.MigrateAsync());

        await core.Store.WriteAsync(tx => tx.ExecuteAsync("SELECT 1"));
        var numbers = await core.Store.ReadAsync(async c => (await c.QueryAsync<int>("SELECT number FROM schema_migrations ORDER BY number")).ToList());
        Assert.Equal(Migrator.EmbeddedFor(core.Store.Dialect).Select(m => m.Number), numbers);
    }

    [Fact]
    public async Task A_sqlite_store_uses_wal_and_foreign_keys()
    {
        await using var core = await CoreHarness.CreateAsync(StoreProvider.Sqlite);
        await core.Store.WriteAsync(tx => tx.ExecuteAsync("SELECT 1"));
        var (journal, foreignKeys) = await core.Store.ReadAsync(async c => (
            await c.ExecuteScalarAsync<string>("PRAGMA journal_mode"),
            await c.ExecuteScalarAsync<long>("PRAGMA foreign_keys")));
        Assert.Equal("wal", journal);
        Assert.Equal(1, foreignKeys);
    }

    [Fact]
    public void Both_providers_have_the_same_migration_numbers_and_names()
    {
        Assert.Equal(Migrator.Embedded.Select(m => (m.Number, m.Name)), Migrator.EmbeddedPostgres.Select(m => (m.Number, m.Name)));
    }

    [Fact]
    public async Task Nodes_migrating_one_postgres_database_at_once_apply_each_migration_once()
    {
        await using var core = await CoreHarness.CreateAsync(StoreProvider.Postgres, migrate: false);
        var options = Options.Create(core.Get<IOptions<StoreOptions>>().Value);
        var nodes = Enumerable.Range(0, 3).Select(_ => new ApplianceStore(options, core.Time, core.Get<SecretProtector>())).ToList();
        try
        {
            var applied = await Task.WhenAll(nodes.Select(node => new Migrator(node, NullLogger<Migrator>.Instance).MigrateAsync()));
            Assert.Equal(Migrator.EmbeddedPostgres.Count, applied.Sum(a => a.Count));
            Assert.Equal(Migrator.EmbeddedPostgres.Count, await core.Store.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT count(*) FROM schema_migrations")));
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    [Theory, ClassData(typeof(StoreProviders))]
    public async Task A_missing_lower_number_is_applied_even_when_higher_ones_are_there(string provider)
    {
        await using var core = await CoreHarness.CreateAsync(provider);
        var first = Migrator.Embedded[0];
        await core.Store.WriteAsync(tx => tx.ExecuteAsync("DELETE FROM schema_migrations WHERE number = @Number", first));
        Assert.Equal([first.Name], (await core.Get<Migrator>().PendingAsync()).Select(m => m.Name));
    }

    [Theory, ClassData(typeof(StoreProviders))]
    public async Task A_failing_write_rolls_back_everything_it_did(string provider)
    {
        await using var core = await CoreHarness.CreateAsync(provider);
        await Assert.ThrowsAsync<InvalidOperationException>(() => core.Store.WriteAsync(async tx =>
        {
            await tx.ExecuteAsync("INSERT INTO orgs (id, name, created_at, updated_at) VALUES ('x', 'x', @Now, @Now)", new { tx.Now });
            throw new InvalidOperationException("boom");
        }));
        Assert.Equal(0, await core.Store.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT count(*) FROM orgs")));
    }
}
