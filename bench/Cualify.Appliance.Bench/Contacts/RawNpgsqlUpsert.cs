using System.Diagnostics;
using Cualify.Appliance.Core.Store;
using Npgsql;

namespace Cualify.Appliance.Bench.Contacts;

/// <summary>
/// The PostgreSQL reference: the upsert and event insert of <see cref="RawSqliteUpsert"/> on plain Npgsql
/// connections (one transaction each, both statements in one batch), as many connections at once as the API had,
/// in a database the appliance's migrations created, each connection held for the whole loop (no pool checkouts, so
/// no resets) and no statement prepared (Npgsql's defaults). No HTTP, no rules. An optional warm-up runs the same
/// loop first, unmeasured. The server's CPU is read before the connections close, since a backend that has exited
/// is no longer counted.
/// </summary>
public static class RawNpgsqlUpsert
{
    public sealed record Result(double PerSecond, int Upserts, double ServerCpuMs);

    public static async Task<Result> MeasureAsync(string connectionString, int connections, TimeSpan duration, CpuMeter server,
        TimeSpan warmup = default, Func<Task>? beforeMeasuring = null)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using (var org = dataSource.CreateCommand(
            "INSERT INTO orgs (id, name, created_at, updated_at) VALUES ('rawbench', 'rawbench', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')"))
        {
            await org.ExecuteNonQueryAsync();
        }

        var count = 0;
        var sequence = 0; // numbers stay new across the warm-up and the measured loop, so every upsert inserts
        if (warmup > TimeSpan.Zero)
        {
            await LoopAsync(warmup);
        }

        count = 0;
        if (beforeMeasuring is not null)
        {
            await beforeMeasuring();
        }

        server.Reset();
        var clock = Stopwatch.StartNew();
        await LoopAsync(duration);
        var elapsed = clock.Elapsed;
        var serverCpuMs = server.ElapsedMilliseconds(); // the pool still holds the backends open
        return new Result(count / elapsed.TotalSeconds, count, serverCpuMs);

        Task LoopAsync(TimeSpan length) => Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            var clock = Stopwatch.StartNew();
            await using var connection = await dataSource.OpenConnectionAsync();
            while (clock.Elapsed < length)
            {
                Interlocked.Increment(ref count);
                var n = 50_000_000 + Interlocked.Increment(ref sequence);
                var at = DateTimeOffset.UtcNow;
                var id = Ids.New(at);
                var phone = RawSqliteUpsert.Phone(n);
                var now = UtcTimestamp.Format(at);
                await using var transaction = await connection.BeginTransactionAsync();
                await using var batch = new NpgsqlBatch(connection, transaction);
                batch.BatchCommands.Add(Command("""
                    INSERT INTO contacts (id, org_id, phone_e164, name, metadata, consent_capture, consent_at, created_at, updated_at)
                    VALUES ($1, 'rawbench', $2, $3, '{"lead_source":"bench"}', 'website_form', $4, $4, $4)
                    ON CONFLICT (org_id, phone_e164) WHERE phone_e164 IS NOT NULL
                    DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at
                    """, id, phone, $"Lead {n}", now));
                batch.BatchCommands.Add(Command("INSERT INTO events (id, org_id, type, data, created_at) VALUES ($1, 'rawbench', 'contact.created', $2, $3)",
                    Ids.Prefixed("evt", at), $$"""{"id":"{{id}}","phone_e164":"{{phone}}","name":"Lead {{n}}"}""", now));
                await batch.ExecuteNonQueryAsync();
                await transaction.CommitAsync();
            }
        })));
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command;
    }
}
