using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Dapper;

namespace Cualify.Appliance.Core.Tests.Store;

public sealed class MigratorTests
{
    [Fact]
    public async Task A_migrated_store_has_every_migration_once_and_uses_wal()
    {
        await using var core = await CoreHarness.CreateAsync();
        var migrator = core.Get<Migrator>();
        Assert.Empty(await migrator.PendingAsync());
        Assert.Empty(await migrator.MigrateAsync());

        await core.Store.WriteAsync(tx => tx.ExecuteAsync("SELECT 1"));
        var (numbers, journal, foreignKeys) = await core.Store.ReadAsync(async c => (
            (await c.QueryAsync<int>("SELECT number FROM schema_migrations ORDER BY number")).ToList(),
            await c.ExecuteScalarAsync<string>("PRAGMA journal_mode"),
            await c.ExecuteScalarAsync<long>("PRAGMA foreign_keys")));
        Assert.Equal(Migrator.Embedded.Select(m => m.Number), numbers);
        Assert.Equal("wal", journal);
        Assert.Equal(1, foreignKeys);
    }

    [Fact]
    public async Task A_missing_lower_number_is_applied_even_when_higher_ones_are_there()
    {
        await using var core = await CoreHarness.CreateAsync();
        var first = Migrator.Embedded[0];
        await core.Store.WriteAsync(tx => tx.ExecuteAsync("DELETE FROM schema_migrations WHERE number = @Number", first));
        Assert.Equal([first.Name], (await core.Get<Migrator>().PendingAsync()).Select(m => m.Name));
    }

    [Fact]
    public async Task A_failing_write_rolls_back_everything_it_did()
    {
        await using var core = await CoreHarness.CreateAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => core.Store.WriteAsync(async tx =>
        {
            await tx.ExecuteAsync("INSERT INTO orgs (id, name, created_at, updated_at) VALUES ('x', 'x', @Now, @Now)", new { tx.Now });
            throw new InvalidOperationException("boom");
        }));
        Assert.Equal(0, await core.Store.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT count(*) FROM orgs")));
    }
}
