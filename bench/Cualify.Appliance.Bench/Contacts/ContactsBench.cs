using System.Diagnostics;
using System.Net.Http.Json;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Bench.Contacts;

/// <summary>
/// <c>POST /api/v1/contacts</c> throughput and latency against the running appliance at N connections, and
/// in the same run the raw rate of the same upsert (contact row + its outbox event, one transaction each)
/// done directly on SQLite with the same pragmas. With <c>--stores sqlite,postgres</c> it does the same on
/// PostgreSQL too, against the raw upsert on Npgsql at the same number of connections, with CPU per upsert.
/// The bench's PostgreSQL is the tests' throwaway server (fsync and synchronous commit off) unless
/// <c>--pg-durable</c> starts it with PostgreSQL's durable defaults, as a deployment runs it (SQLite runs
/// <c>synchronous=FULL</c> either way). <c>--warmup-seconds N</c> runs each side's loop N s unmeasured first (the
/// default is 32 requests and no raw warm-up); <c>--pg-statements</c> loads <c>pg_stat_statements</c> into the bench's
/// server and prints the statements per upsert it counted in the measured API and raw loops.
/// </summary>
public static class ContactsBench
{
    public static async Task<int> RunAsync(string[] arguments)
    {
        var args = new BenchArgs(arguments);
        var connections = args.Int("connections", 32);
        var duration = TimeSpan.FromSeconds(args.Double("seconds", 20));
        var synchronous = args.Get("synchronous", "FULL");
        var stores = args.Get("stores", StoreProvider.Sqlite).Split(',');
        var warmup = TimeSpan.FromSeconds(args.Double("warmup-seconds", 0));
        if (args.Flag("pg-durable"))
        {
            PostgresServer.UseDurableSettings();
        }

        var countStatements = args.Flag("pg-statements");
        if (countStatements)
        {
            PostgresServer.UseStatementStatistics();
        }

        var errors = 0;
        foreach (var store in stores)
        {
            using var data = new TempDirectory("bench-contacts");
            var config = store == StoreProvider.Postgres ? await PostgresConfigAsync(data.Path) : [];
            var adminKey = (await ApplianceProcess.RunVerbAsync(["init", "--data-dir", data.Path, .. config])).StandardOutput.Trim();
            var operatorKey = (await ApplianceProcess.RunVerbAsync(["keys", "create", "--name", "bench", "--scope", "operator", "--data-dir", data.Path, .. config])).StandardOutput.Trim();
            var environment = new Dictionary<string, string> { ["CUALIFY__Store__Synchronous"] = synchronous, ["CUALIFY__Logging__Level"] = "Warning" };
            await using var appliance = await ApplianceProcess.StartAsync(data.Path, environment);
            using (var op = appliance.Client(operatorKey))
            {
                var org = await op.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>("/api/v1/org");
                var response = await op.PatchAsJsonAsync($"/api/v1/orgs/{org!["data"]!["id"]}", new { rate_limit_per_minute = 1_000_000 });
                response.EnsureSuccessStatusCode();
            }

            var storeName = store == StoreProvider.Postgres && PostgresServer.IsDurable ? "postgres (fsync, synchronous_commit on)" : store;
            Console.Error.WriteLine($"API on {storeName}: {connections} connections for {duration.TotalSeconds} s, load average {Load()} …");
            var server = store == StoreProvider.Postgres ? CpuMeter.OfPostgres((await PostgresServer.GetAsync()).DataDir) : null;
            var database = store == StoreProvider.Postgres ? (await TestStore.SettingsAsync(data.Path))["Store:ConnectionString"]! : null;
            var statements = database is not null && countStatements ? new ServerStatements(database) : null;
            var transactionsBefore = (Committed: 0L, RolledBack: 0L);
            var api = await MeasureApiAsync(appliance, adminKey, connections, duration, warmup, async () =>
            {
                if (database is not null)
                {
                    transactionsBefore = await TransactionsAsync(database);
                }

                server?.Reset();

                if (statements is not null)
                {
                    await statements.ResetAsync();
                }
            });
            var apiStatements = statements is null ? [] : await statements.ReportAsync(api.Count);
            var serverCpu = server?.ElapsedMilliseconds() / api.Count;
            await appliance.KillAsync();
            var transactionsAfter = database is null ? transactionsBefore : await TransactionsAsync(database);
            var transactionsText = database is null ? "" : $", {(transactionsAfter.Committed - transactionsBefore.Committed) / (double)api.Count:F2} store transactions/upsert"
                + $" ({transactionsAfter.RolledBack - transactionsBefore.RolledBack} rolled back)";
            errors += api.Errors;

            double raw;
            string rawName;
            var rawCpuText = "";
            IReadOnlyList<string> rawStatements = [];
            if (store == StoreProvider.Postgres)
            {
                Console.Error.WriteLine($"Raw Npgsql: same upsert, {connections} connections, for {duration.TotalSeconds} s …");
                var rawClient = CpuMeter.OfThisProcess();
                var result = await RawNpgsqlUpsert.MeasureAsync(database!, connections, duration, server!, warmup, statements is null ? null : statements.ResetAsync);
                rawStatements = statements is null ? [] : await statements.ReportAsync(result.Upserts);
                raw = result.PerSecond;
                rawCpuText = $"bench CPU {rawClient.ElapsedMilliseconds() / result.Upserts:F2} ms/upsert, PostgreSQL CPU {result.ServerCpuMs / result.Upserts:F2} ms/upsert";
                rawName = $"Raw Npgsql upsert (contact + event, 1 tx each), {connections} connections, on {storeName}";
            }
            else
            {
                Console.Error.WriteLine($"Raw SQLite: same upsert, same pragmas, for {duration.TotalSeconds} s …");
                raw = await RawSqliteUpsert.MeasureAsync(data.Combine("raw.db"), synchronous, duration, warmup);
                rawName = $"Raw SQLite upsert (contact + event, 1 tx each), synchronous={synchronous}";
            }

            var serverText = serverCpu is { } ms ? $", PostgreSQL CPU {ms:F2} ms/upsert" : "";
            Console.WriteLine($"| POST /api/v1/contacts on {storeName}, {connections} connections | {api.PerSecond:F0} upserts/s | p50 {api.Latencies.Percentile(50):F1} ms, p99 {api.Latencies.Percentile(99):F1} ms | {api.Errors} errors; appliance CPU {api.ApplianceCpuMs / api.Count:F2} ms/upsert, bench (HTTP client) CPU {api.ClientCpuMs / api.Count:F2} ms/upsert{serverText}{transactionsText} |");
            Console.WriteLine($"| {rawName} | {raw:F0} upserts/s | | {rawCpuText} |");
            Console.WriteLine($"| Ratio API / raw on {storeName} | {api.PerSecond / raw:F2} | | load average {Load()} |");
            foreach (var (side, lines) in new[] { ("API", apiStatements), ("raw", rawStatements) }.Where(s => s.Item2.Count > 0))
            {
                Console.WriteLine($"{side} {string.Join(Environment.NewLine, lines)}");
            }
        }

        Console.WriteLine($"Machine: {MachineInfo.Describe()}");
        return errors == 0 ? 0 : 1;
    }

    /// <summary>A database of its own on the bench's PostgreSQL, named in a settings file in the data folder; the <c>--config</c> arguments.</summary>
    private static async Task<string[]> PostgresConfigAsync(string dataDir)
    {
        await TestStore.SettingsAsync(dataDir, StoreProvider.Postgres);
        return ["--config", TestStore.ConfigFileOf(dataDir)!];
    }

    /// <summary>
    /// Transactions the server counted as committed and rolled back in the appliance's database (read-only statements
    /// count too): read after the appliance is gone or its warm-up done, since a backend reports its counts when idle or
    /// exiting, up to a second late.
    /// </summary>
    private static async Task<(long Committed, long RolledBack)> TransactionsAsync(string connectionString)
    {
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await using var connection = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = current_database()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static string Load() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private sealed record ApiResult(double PerSecond, Latencies Latencies, int Errors, int Count, double ApplianceCpuMs, double ClientCpuMs);

    private static async Task<ApiResult> MeasureApiAsync(ApplianceProcess appliance, string key, int connections, TimeSpan duration,
        TimeSpan warmup, Func<Task>? beforeMeasuring)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        using var client = new HttpClient(handler) { BaseAddress = appliance.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);

        // Warm up the JIT and the pools before measuring.
        await Task.WhenAll(Enumerable.Range(0, connections).Select(i => PostAsync(client, 8_000_000 + i)));
        var next = 0;
        if (warmup > TimeSpan.Zero)
        {
            var warming = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
            {
                while (warming.Elapsed < warmup)
                {
                    await PostAsync(client, Interlocked.Increment(ref next));
                }
            }));
        }

        if (beforeMeasuring is not null)
        {
            await beforeMeasuring();
        }

        var latencies = new Latencies();
        var errors = 0;
        var cpu = CpuMeter.Of(appliance.ProcessId);
        var clientCpu = CpuMeter.OfThisProcess();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            while (clock.Elapsed < duration)
            {
                var n = Interlocked.Increment(ref next);
                var started = Stopwatch.GetTimestamp();
                if (!await PostAsync(client, n))
                {
                    Interlocked.Increment(ref errors);
                }

                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }));
        return new ApiResult(latencies.Count / clock.Elapsed.TotalSeconds, latencies, errors, latencies.Count, cpu.ElapsedMilliseconds(), clientCpu.ElapsedMilliseconds());
    }

    private static async Task<bool> PostAsync(HttpClient client, int n)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/contacts", new
        {
            phone_e164 = RawSqliteUpsert.Phone(n),
            name = $"Lead {n}",
            consent_capture = "website_form",
            metadata = new { lead_source = "bench" },
        });
        return response.IsSuccessStatusCode;
    }
}
