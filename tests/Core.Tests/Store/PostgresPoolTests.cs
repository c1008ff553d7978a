using System.Security.Cryptography;
using Cualify.Appliance.Core.Secrets;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Core.Store.Postgres;
using Cualify.Appliance.Testing;
using Dapper;
using Npgsql;

namespace Cualify.Appliance.Core.Tests.Store;

public sealed class PostgresPoolTests
{
    private const string Statement = "SELECT count(*) FROM orgs WHERE id <> @id";

    [Fact]
    public async Task A_statement_run_often_stays_prepared_on_its_connection_across_checkouts()
    {
        await using var core = await CoreHarness.CreateAsync(StoreProvider.Postgres);
        var reads = new List<(int Backend, long Prepared)>();
        for (var i = 0; i < 20; i++)
        {
            // Each read is a checkout of its own from the pool, and back.
            reads.Add(await core.Store.ReadAsync(async c =>
            {
                await c.ExecuteScalarAsync<long>(Statement, new { id = "none" });
                return (await c.ExecuteScalarAsync<int>("SELECT pg_backend_pid()"),
                    await c.ExecuteScalarAsync<long>("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'SELECT count(*) FROM orgs WHERE id <> %'"));
            }));
        }

        // Npgsql prepares a statement on its fifth run on one connection.
        var wellUsed = reads.GroupBy(r => r.Backend).Where(g => g.Count() > 5).ToList();
        Assert.NotEmpty(wellUsed);
        Assert.All(wellUsed, connection => Assert.Equal(1, connection.Last().Prepared));
    }

    [Fact]
    public void The_connection_string_can_turn_statement_preparing_and_keeping_off()
    {
        var secrets = new SecretProtector(RandomNumberGenerator.GetBytes(32));
        StoreOptions Options(string connectionString) => new() { Provider = StoreProvider.Postgres, ConnectionString = connectionString };

        using var byDefault = PostgresConnection.CreateDataSource(Options("Host=127.0.0.1;Username=postgres"), secrets);
        var defaults = new NpgsqlConnectionStringBuilder(byDefault.ConnectionString);
        Assert.True(defaults.MaxAutoPrepare > 0);
        Assert.True(defaults.NoResetOnClose);

        using var asGiven = PostgresConnection.CreateDataSource(Options("Host=127.0.0.1;Username=postgres;Max Auto Prepare=0;No Reset On Close=false"), secrets);
        var given = new NpgsqlConnectionStringBuilder(asGiven.ConnectionString);
        Assert.Equal(0, given.MaxAutoPrepare);
        Assert.False(given.NoResetOnClose);
    }
}
