using System.Diagnostics;
using Cualify.Appliance.Core.Store;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Bench.Contacts;

/// <summary>The reference: the same upsert and event insert straight on one SQLite connection, no HTTP, no rules.</summary>
public static class RawSqliteUpsert
{
    public static string Phone(int n) => $"+9198{n % 100_000_000:D8}";

    public static async Task<double> MeasureAsync(string path, string synchronous, TimeSpan duration, TimeSpan warmup = default)
    {
        // The same schema as the appliance's, created by its own migrations.
        var store = new ApplianceStore(Options.Create(new StoreOptions { Path = path, Synchronous = synchronous }), TimeProvider.System,
            new Core.Secrets.SecretProtector(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        await new Migrator(store, NullLogger<Migrator>.Instance).MigrateAsync();
        await store.DisposeAsync();
        SqliteConnection.ClearAllPools();

        await using var connection = new SqliteConnection($"Data Source={path};Foreign Keys=True");
        await connection.OpenAsync();
        await using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = $"PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous}; PRAGMA busy_timeout=30000; PRAGMA secure_delete=ON;";
            await pragma.ExecuteNonQueryAsync();
            pragma.CommandText = "INSERT INTO orgs (id, name, created_at, updated_at) VALUES ('org', 'bench', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')";
            await pragma.ExecuteNonQueryAsync();
        }

        await using var upsert = connection.CreateCommand();
        upsert.CommandText = """
            INSERT INTO contacts (id, org_id, phone_e164, name, metadata, consent_capture, consent_at, created_at, updated_at)
            VALUES ($id, 'org', $phone, $name, '{"lead_source":"bench"}', 'website_form', $now, $now, $now)
            ON CONFLICT (org_id, phone_e164) WHERE phone_e164 IS NOT NULL
            DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at;
            INSERT INTO events (id, org_id, type, data, created_at) VALUES ($event, 'org', 'contact.created', $data, $now);
            """;
        var id = upsert.Parameters.Add("$id", SqliteType.Text);
        var phone = upsert.Parameters.Add("$phone", SqliteType.Text);
        var name = upsert.Parameters.Add("$name", SqliteType.Text);
        var now = upsert.Parameters.Add("$now", SqliteType.Text);
        var eventId = upsert.Parameters.Add("$event", SqliteType.Text);
        var data = upsert.Parameters.Add("$data", SqliteType.Text);

        var sequence = 0; // numbers stay new across the warm-up and the measured loop, so every upsert inserts
        if (warmup > TimeSpan.Zero)
        {
            await LoopAsync(warmup);
        }

        var clock = Stopwatch.StartNew();
        return await LoopAsync(duration) / clock.Elapsed.TotalSeconds;

        async Task<int> LoopAsync(TimeSpan length)
        {
            var count = 0;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < length)
            {
                count++;
                sequence++;
                var at = DateTimeOffset.UtcNow;
                await using var transaction = connection.BeginTransaction(deferred: false);
                upsert.Transaction = transaction;
                id.Value = Ids.New(at);
                phone.Value = Phone(sequence);
                name.Value = $"Lead {sequence}";
                now.Value = UtcTimestamp.Format(at);
                eventId.Value = Ids.Prefixed("evt", at);
                data.Value = $$"""{"id":"{{id.Value}}","phone_e164":"{{phone.Value}}","name":"{{name.Value}}"}""";
                await upsert.ExecuteNonQueryAsync();
                await transaction.CommitAsync();
            }

            return count;
        }
    }
}
