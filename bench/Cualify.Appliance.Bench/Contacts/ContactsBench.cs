using System.Diagnostics;
using System.Net.Http.Json;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Bench.Contacts;

/// <summary>
/// <c>POST /api/v1/contacts</c> throughput and latency against the running appliance at N connections, and
/// in the same run the raw rate of the same upsert (contact row + its outbox event, one transaction each)
/// done directly on SQLite with the same pragmas.
/// </summary>
public static class ContactsBench
{
    public static async Task<int> RunAsync(string[] arguments)
    {
        var args = new BenchArgs(arguments);
        var connections = args.Int("connections", 32);
        var duration = TimeSpan.FromSeconds(args.Double("seconds", 20));
        var synchronous = args.Get("synchronous", "FULL");

        using var data = new TempDirectory("bench-contacts");
        var adminKey = (await ApplianceProcess.RunVerbAsync(["init", "--data-dir", data.Path])).StandardOutput.Trim();
        var operatorKey = (await ApplianceProcess.RunVerbAsync(["keys", "create", "--name", "bench", "--scope", "operator", "--data-dir", data.Path])).StandardOutput.Trim();
        var environment = new Dictionary<string, string> { ["CUALIFY__Store__Synchronous"] = synchronous, ["CUALIFY__Logging__Level"] = "Warning" };
        await using var appliance = await ApplianceProcess.StartAsync(data.Path, environment);
        using (var op = appliance.Client(operatorKey))
        {
            var org = await op.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>("/api/v1/org");
            var response = await op.PatchAsJsonAsync($"/api/v1/orgs/{org!["data"]!["id"]}", new { rate_limit_per_minute = 1_000_000 });
            response.EnsureSuccessStatusCode();
        }

        Console.Error.WriteLine($"API: {connections} connections for {duration.TotalSeconds} s …");
        var api = await MeasureApiAsync(appliance, adminKey, connections, duration);
        await appliance.KillAsync();

        Console.Error.WriteLine($"Raw SQLite: same upsert, same pragmas, for {duration.TotalSeconds} s …");
        var raw = await RawSqliteUpsert.MeasureAsync(data.Combine("raw.db"), synchronous, duration);

        var ratio = api.PerSecond / raw;
        Console.WriteLine($"| POST /api/v1/contacts, {connections} connections | {api.PerSecond:F0} upserts/s | p50 {api.Latencies.Percentile(50):F1} ms, p99 {api.Latencies.Percentile(99):F1} ms | {api.Errors} errors |");
        Console.WriteLine($"| Raw SQLite upsert (contact + event, 1 tx each), synchronous={synchronous} | {raw:F0} upserts/s | | |");
        Console.WriteLine($"| Ratio API / raw | {ratio:F2} | | |");
        Console.WriteLine($"Machine: {MachineInfo.Describe()}");
        return api.Errors == 0 ? 0 : 1;
    }

    private sealed record ApiResult(double PerSecond, Latencies Latencies, int Errors);

    private static async Task<ApiResult> MeasureApiAsync(ApplianceProcess appliance, string key, int connections, TimeSpan duration)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        using var client = new HttpClient(handler) { BaseAddress = appliance.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);

        // Warm up the JIT and the pools before measuring.
        await Task.WhenAll(Enumerable.Range(0, connections).Select(i => PostAsync(client, 8_000_000 + i)));

        var latencies = new Latencies();
        var errors = 0;
        var next = 0;
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
        return new ApiResult(latencies.Count / clock.Elapsed.TotalSeconds, latencies, errors);
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
