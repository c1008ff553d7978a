using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Dapper;

namespace Cualify.Appliance.Core.Tests.Store;

/// <summary><see cref="StoreTransaction.ExecuteLastAsync"/>: on PostgreSQL the write's COMMIT travels with its last statement.</summary>
public sealed class LastStatementTests
{
    private const string InsertOrg = "INSERT INTO orgs (id, name, created_at, updated_at) VALUES (@id, @id, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')";

    [Theory, ClassData(typeof(StoreProviders))]
    public async Task A_write_ending_in_its_last_statement_is_committed_and_runs_its_after_commit_actions(string provider)
    {
        await using var core = await CoreHarness.CreateAsync(provider);
        var afterCommit = 0;
        await core.Store.WriteAsync(async tx =>
        {
            await tx.ExecuteAsync(InsertOrg, new { id = "first" });
            tx.AfterCommit(() => afterCommit++);
            await tx.ExecuteLastAsync(InsertOrg, new { id = "second" });
        });

        Assert.Equal(1, afterCommit);
        Assert.Equal(["first", "second"], await OrgsAsync(core, "first", "second"));

        // The pooled connection the write used is clean for the next one.
        await core.Store.WriteAsync(tx => tx.ExecuteLastAsync(InsertOrg, new { id = "third" }));
        await core.Store.WriteAsync(tx => tx.ExecuteAsync(InsertOrg, new { id = "fourth" }));
        Assert.Equal(["fourth", "third"], await OrgsAsync(core, "third", "fourth"));
    }

    [Theory, ClassData(typeof(StoreProviders))]
    public async Task A_last_statement_that_fails_rolls_back_the_whole_write(string provider)
    {
        await using var core = await CoreHarness.CreateAsync(provider);
        await core.Store.WriteAsync(tx => tx.ExecuteAsync(InsertOrg, new { id = "taken" }));

        var afterCommit = 0;
        await Assert.ThrowsAnyAsync<Exception>(() => core.Store.WriteAsync(async tx =>
        {
            await tx.ExecuteAsync(InsertOrg, new { id = "earlier" });
            tx.AfterCommit(() => afterCommit++);
            await tx.ExecuteLastAsync(InsertOrg, new { id = "taken" });
        }));

        Assert.Equal(0, afterCommit);
        Assert.Empty(await OrgsAsync(core, "earlier"));
        await core.Store.WriteAsync(tx => tx.ExecuteLastAsync(InsertOrg, new { id = "later" }));
        Assert.Equal(["later"], await OrgsAsync(core, "later"));
    }

    [Fact]
    public async Task On_PostgreSQL_nothing_runs_in_the_write_after_its_last_statement()
    {
        await using var core = await CoreHarness.CreateAsync(StoreProvider.Postgres);
        await Assert.ThrowsAsync<InvalidOperationException>(() => core.Store.WriteAsync(async tx =>
        {
            await tx.ExecuteLastAsync(InsertOrg, new { id = "last" });
            await tx.ExecuteAsync(InsertOrg, new { id = "after" });
        }));

        // The last statement had committed; the one after it never ran outside the transaction.
        Assert.Equal(["last"], await OrgsAsync(core, "last", "after"));
    }

    private static async Task<List<string>> OrgsAsync(CoreHarness core, params string[] ids) =>
        [.. await core.Store.ReadAsync(c => c.QueryAsync<string>("SELECT id FROM orgs WHERE id IN @ids ORDER BY id", new { ids }))];
}
