using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Bench.Campaigns;

/// <summary>
/// <c>import</c>: rows/s of <c>POST /contacts/import</c> (upload, checks, the normalising upsert and its event per row,
/// batches of 500) against a raw SQLite bulk insert of the same rows into the same schema in the same run.
/// <c>pacing</c>: a 600 calls/min campaign on the simulator, real clock; the calls started per minute and per
/// 10 s against the pace.
/// </summary>
public static class CampaignBench
{
    public static async Task<int> RunImportAsync(string[] arguments)
    {
        var args = new BenchArgs(arguments);
        var rows = args.Int("rows", 100_000);
        // More than one import runs them one after another in the same appliance process (new numbers each time),
        // so the later ones show the import once the process is warm (its JIT done); the first is the cold figure.
        var imports = args.Int("imports", 1);
        var batchSize = args.Get("batch-size", "");
        using var data = new TempDirectory("bench-import");
        var files = new List<string>();
        for (var n = 0; n < imports; n++)
        {
            files.Add(data.Combine($"leads-{n}.csv"));
            await using var writer = new StreamWriter(files[^1], false, new UTF8Encoding(false));
            await writer.WriteAsync("phone_e164,first_name,last_name,email,consent_capture,metadata.region\n");
            for (var i = n * rows; i < (n + 1) * rows; i++)
            {
                await writer.WriteAsync($"+9198{i:D8},Lead,{i},lead{i}@example.com,imported,north\n");
            }
        }

        var adminKey = (await ApplianceProcess.RunVerbAsync(["init", "--data-dir", data.Path])).StandardOutput.Trim();
        var operatorKey = (await ApplianceProcess.RunVerbAsync(["keys", "create", "--name", "bench", "--scope", "operator", "--data-dir", data.Path])).StandardOutput.Trim();
        var environment = new Dictionary<string, string> { ["CUALIFY__Logging__Level"] = "Warning" };
        if (batchSize.Length > 0)
        {
            environment["CUALIFY__Contacts__Import__BatchSize"] = batchSize;
        }

        var loadBefore = LoadAverage();
        await using var appliance = await ApplianceProcess.StartAsync(data.Path, environment);
        using (var op = appliance.Client(operatorKey))
        {
            var org = await op.GetFromJsonAsync<JsonNode>("/api/v1/org");
            (await op.PatchAsJsonAsync($"/api/v1/orgs/{org!["data"]!["id"]}", new { rate_limit_per_minute = 1_000_000 })).EnsureSuccessStatusCode();
        }

        using var client = appliance.Client(adminKey);
        var results = new List<(double Seconds, TimeSpan Cpu, JsonNode Import)>();
        foreach (var file in files)
        {
            var cpuBefore = ProcessCpu(appliance.ProcessId);
            var clock = Stopwatch.StartNew();
            var content = new StreamContent(File.OpenRead(file));
            content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            var begun = await (await client.PostAsync("/api/v1/contacts/import", content)).Content.ReadFromJsonAsync<JsonNode>();
            var id = (string)begun!["data"]!["id"]!;
            JsonNode import;
            do
            {
                await Task.Delay(250);
                import = (await client.GetFromJsonAsync<JsonNode>($"/api/v1/contacts/imports/{id}"))!["data"]!;
            }
            while ((string?)import["status"] == "running");
            results.Add((clock.Elapsed.TotalSeconds, ProcessCpu(appliance.ProcessId) - cpuBefore, import));
        }

        await appliance.KillAsync();

        var rawCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var rawSeconds = await RawBulkInsertAsync(data.Combine("raw.db"), rows);
        var rawCpu = Process.GetCurrentProcess().TotalProcessorTime - rawCpuBefore;
        var raw = rows / rawSeconds;
        var (apiSeconds, apiCpu, first) = results[0];
        var api = rows / apiSeconds;
        Console.WriteLine($"| POST /api/v1/contacts/import, {rows} rows ({new FileInfo(files[0]).Length / 1024 / 1024} MiB) | {api:F0} rows/s | {apiSeconds:F1} s | appliance CPU {apiCpu.TotalMilliseconds * 1000 / rows:F1} µs/row | status {first["status"]}, created {first["created"]} |");
        Console.WriteLine($"| Raw SQLite bulk insert of the same rows (one transaction, prepared statement) | {raw:F0} rows/s | {rawSeconds:F1} s | bench CPU {rawCpu.TotalMilliseconds * 1000 / rows:F1} µs/row | |");
        Console.WriteLine($"| Ratio import / raw | {api / raw:F2} | | CPU ratio raw / import {rawCpu / apiCpu:F2} | |");
        for (var n = 1; n < results.Count; n++)
        {
            var (seconds, cpu, import) = results[n];
            Console.WriteLine($"| Import {n + 1} in the same process (warm), {rows} more rows | {rows / seconds:F0} rows/s | {seconds:F1} s | appliance CPU {cpu.TotalMilliseconds * 1000 / rows:F1} µs/row | status {import["status"]}, created {import["created"]}; ratio to raw {rows / seconds / raw:F2} |");
        }

        Console.WriteLine($"Machine: {MachineInfo.Describe()}; load average before/after: {loadBefore} / {LoadAverage()}");
        return results.All(r => (string?)r.Import["status"] == "completed") ? 0 : 1;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>User plus system CPU time of a process so far, from <c>/proc/&lt;pid&gt;/stat</c> (clock ticks of 10 ms).</summary>
    private static TimeSpan ProcessCpu(int processId)
    {
        var stat = File.ReadAllText($"/proc/{processId}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    private static async Task<double> RawBulkInsertAsync(string path, int rows)
    {
        var store = new ApplianceStore(Options.Create(new StoreOptions { Path = path }), TimeProvider.System,
            new Core.Secrets.SecretProtector(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        await new Migrator(store, NullLogger<Migrator>.Instance).MigrateAsync();
        await store.DisposeAsync();
        SqliteConnection.ClearAllPools();
        await using var connection = new SqliteConnection($"Data Source={path};Foreign Keys=True");
        await connection.OpenAsync();
        await connection.ExecuteAsync("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;");
        await connection.ExecuteAsync("INSERT INTO orgs (id, name, created_at, updated_at) VALUES ('org', 'bench', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')");
        var clock = Stopwatch.StartNew();
        await using var tx = connection.BeginTransaction();
        await using var insert = connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = """
            INSERT INTO contacts (id, org_id, phone_e164, name, first_name, last_name, email, email_normalized, metadata, consent_capture, consent_at, created_at, updated_at)
            VALUES ($id, 'org', $phone, $name, 'Lead', $last, $email, $email, '{"region":"north"}', 'imported', $now, $now, $now)
            """;
        var id = insert.Parameters.Add("$id", SqliteType.Text);
        var phone = insert.Parameters.Add("$phone", SqliteType.Text);
        var name = insert.Parameters.Add("$name", SqliteType.Text);
        var last = insert.Parameters.Add("$last", SqliteType.Text);
        var email = insert.Parameters.Add("$email", SqliteType.Text);
        insert.Parameters.AddWithValue("$now", UtcTimestamp.Format(DateTimeOffset.UtcNow));
        insert.Prepare();
        for (var i = 0; i < rows; i++)
        {
            id.Value = Guid.CreateVersion7().ToString();
            phone.Value = $"+9198{i:D8}";
            name.Value = $"Lead {i}";
            last.Value = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            email.Value = $"lead{i}@example.com";
            await insert.ExecuteNonQueryAsync();
        }

        await tx.CommitAsync();
        return clock.Elapsed.TotalSeconds;
    }

    public static async Task<int> RunPacingAsync(string[] arguments)
    {
        var args = new BenchArgs(arguments);
        var perMinute = args.Int("calls-per-minute", 600);
        var contacts = args.Int("contacts", perMinute * 2);
        using var data = new TempDirectory("bench-pacing");
        var adminKey = (await ApplianceProcess.RunVerbAsync(["init", "--data-dir", data.Path])).StandardOutput.Trim();
        var operatorKey = (await ApplianceProcess.RunVerbAsync(["keys", "create", "--name", "bench", "--scope", "operator", "--data-dir", data.Path])).StandardOutput.Trim();
        await ApplianceProcess.RunVerbAsync(["credits", "topup", "--data-dir", data.Path, "--amount-paise", "100000000"]);
        var environment = new Dictionary<string, string>
        {
            ["CUALIFY__Logging__Level"] = "Warning",
            ["CUALIFY__Dialer__MaxConcurrentCalls"] = "2000",
            ["CUALIFY__Dialer__CallsPerSecond"] = "100",
        };
        await using var appliance = await ApplianceProcess.StartAsync(data.Path, environment);
        using var op = appliance.Client(operatorKey);
        var org = await op.GetFromJsonAsync<JsonNode>("/api/v1/org");
        (await op.PatchAsJsonAsync($"/api/v1/orgs/{org!["data"]!["id"]}", new { max_concurrent_calls = 2000, calls_per_second = 100, rate_limit_per_minute = 1_000_000 })).EnsureSuccessStatusCode();
        using var client = appliance.Client(adminKey);
        (await client.PatchAsJsonAsync("/api/v1/org", new { calling_hours = "* * * * *" })).EnsureSuccessStatusCode();
        var agent = await (await client.PostAsJsonAsync("/api/v1/playbooks", new { name = "bench", disclosure_text = "Hello.", max_duration_sec = 60 })).Content.ReadFromJsonAsync<JsonNode>();
        // Numbers ending 83 fail a second after dialing, so the box measures pacing rather than holding hundreds of calls.
        var csv = new StringBuilder("phone_e164,consent_capture\n");
        for (var i = 0; i < contacts; i++)
        {
            csv.Append($"+9198{i:D6}83,manual\n");
        }

        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(csv.ToString()));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var import = await (await client.PostAsync("/api/v1/contacts/import", content)).Content.ReadFromJsonAsync<JsonNode>();
        var importId = (string)import!["data"]!["id"]!;
        while ((string?)(await client.GetFromJsonAsync<JsonNode>($"/api/v1/contacts/imports/{importId}"))!["data"]!["status"] == "running")
        {
            await Task.Delay(250);
        }

        var created = await (await client.PostAsJsonAsync("/api/v1/campaigns", new
        {
            name = "pacing",
            agent_id = (string)agent!["data"]!["id"]!,
            contacts = new { import_id = importId },
            pacing = new { calls_per_minute = perMinute },
        })).Content.ReadFromJsonAsync<JsonNode>();
        var campaignId = (string)created!["data"]!["id"]!;
        (await client.PostAsync($"/api/v1/campaigns/{campaignId}/start", null)).EnsureSuccessStatusCode();
        while ((string?)(await client.GetFromJsonAsync<JsonNode>($"/api/v1/campaigns/{campaignId}"))!["data"]!["status"] == "running")
        {
            await Task.Delay(1000);
        }

        await using var connection = new SqliteConnection($"Data Source={data.Combine("appliance.db")};Mode=ReadOnly");
        var starts = (await connection.QueryAsync<string>("SELECT started_at FROM calls WHERE campaign_id = @campaignId AND started_at IS NOT NULL ORDER BY started_at", new { campaignId }))
            .Select(UtcTimestamp.Parse).ToList();
        var span = (starts[^1] - starts[0]).TotalMinutes;
        var achieved = (starts.Count - 1) / span;
        var busiestMinute = starts.Select(t => starts.Count(u => u >= t && u < t.AddMinutes(1))).Max();
        var tenSecond = Enumerable.Range(0, (int)Math.Floor(span * 6)).Select(w => starts.Count(u => u >= starts[0].AddSeconds(w * 10) && u < starts[0].AddSeconds(w * 10 + 10))).ToList();
        var expectedPerTen = perMinute / 6.0;
        var worstTen = tenSecond.Max(c => Math.Abs(c - expectedPerTen)) / expectedPerTen;
        Console.WriteLine($"| campaign at {perMinute} calls/min, {starts.Count} calls | achieved {achieved:F1} calls/min (error {(achieved - perMinute) / perMinute:P1}) | busiest minute {busiestMinute} | worst 10 s window off by {worstTen:P1} |");
        Console.WriteLine($"Machine: {MachineInfo.Describe()}");
        await appliance.KillAsync();
        return 0;
    }
}
