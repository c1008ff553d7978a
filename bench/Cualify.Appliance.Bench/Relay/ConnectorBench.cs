using System.Diagnostics;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Relay.Connectors;
using Cualify.Appliance.Testing;
using Dapper;

namespace Cualify.Appliance.Bench.Relay;

/// <summary>
/// Call logs into HubSpot per 10 s: final calls committed to the outbox as the dialer commits them, written by the
/// HubSpot connector into <see cref="HubSpotBudgetServer"/> (190 requests per rolling 10 s). The reference, in the
/// same run, is the budget itself: the requests the server admitted in each full 10 s window against its 190.
/// </summary>
public static class ConnectorBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchArgs(args);
        var calls = options.Int("calls", 20_000);
        var max = options.Int("budget", 190);
        var loadBefore = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
        await using var server = await HubSpotBudgetServer.StartAsync(max, TimeSpan.FromSeconds(10));
        await using var appliance = await RunningAppliance.StartAsync(settings: new Dictionary<string, string?> { ["Connectors:PollInterval"] = "00:00:00.200" });
        var orgId = (await appliance.Get<OrgStore>().FindAsync(OrgStore.DefaultName))!.Id;
        var connector = await appliance.Get<ConnectorStore>().CreateAsync(orgId, ConnectorKinds.HubSpot, "bench",
            new System.Text.Json.Nodes.JsonObject { ["access_token"] = "pat-bench" }, new System.Text.Json.Nodes.JsonObject { ["base_url"] = server.BaseUrl });
        var store = appliance.Get<ApplianceStore>();

        var clock = Stopwatch.StartNew();
        await AppendCallsAsync(appliance, orgId, calls);
        var committed = clock.Elapsed;
        while (await store.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT count(*) FROM connector_syncs WHERE status = 'synced'")) < calls)
        {
            await Task.Delay(50);
        }

        var elapsed = clock.Elapsed;
        var admitted = server.Admitted.Order().ToList();
        var created = server.Created.OrderBy(c => c.At).ToList();
        var start = admitted[0];
        var fullWindows = (int)Math.Floor((admitted[^1] - start).TotalSeconds / 10);
        var windows = Enumerable.Range(0, Math.Max(1, fullWindows)).Select(w =>
        {
            var from = start.AddSeconds(10 * w);
            var to = from.AddSeconds(10);
            return (Requests: admitted.Count(a => a >= from && a < to), Records: created.Where(c => c.At >= from && c.At < to).Sum(c => c.Records));
        }).ToList();
        var medianRequests = Median(windows.Select(w => (double)w.Requests));
        var medianRecords = Median(windows.Select(w => (double)w.Records));
        Console.WriteLine($"| Call logs written, {calls} calls committed in {committed.TotalSeconds:F1} s, all synced after {elapsed.TotalSeconds:F1} s | {calls / elapsed.TotalSeconds * 10:F0} records per 10 s overall | |");
        Console.WriteLine($"| Full 10 s windows ({windows.Count}): records created, median | {medianRecords:F0} per 10 s | {string.Join(", ", windows.Select(w => w.Records))} |");
        Console.WriteLine($"| Reference: the budget, {max} requests per 10 s; requests admitted per full window, median | {medianRequests:F0} ({medianRequests / max:P0} of the budget) | {string.Join(", ", windows.Select(w => w.Requests))} |");
        Console.WriteLine($"| 429s answered | {server.TooManyRequests} | |");
        Console.WriteLine($"| Calls created / distinct (duplicates) | {server.CallsCreated} / {server.DistinctCalls} ({server.CallsCreated - server.DistinctCalls}) | |");
        Console.WriteLine($"Machine: {MachineInfo.Describe()}; load average before/after: {loadBefore} / {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a")}");
        Console.WriteLine($"Connector {connector.Connector.Id}");
        return server.CallsCreated == server.DistinctCalls && server.DistinctCalls == calls ? 0 : 1;
    }

    /// <summary>Contacts and their final calls, committed the way the dialer commits them (event with the change), in chunks.</summary>
    private static async Task AppendCallsAsync(RunningAppliance appliance, string orgId, int count)
    {
        var outbox = appliance.Get<EventOutbox>();
        for (var from = 0; from < count; from += 1000)
        {
            var upTo = Math.Min(count, from + 1000);
            await appliance.Get<ApplianceStore>().WriteAsync(async tx =>
            {
                for (var i = from; i < upTo; i++)
                {
                    var contactId = Ids.New(tx.Now);
                    await tx.ExecuteAsync("""
                        INSERT INTO contacts (id, org_id, phone_e164, name, email, email_normalized, consent_capture, created_at, updated_at)
                        VALUES (@contactId, @orgId, @phone, 'Riya Sharma', @email, @email, 'website_form', @Now, @Now)
                        """, new { contactId, orgId, phone = $"+9198{i:D8}", email = $"lead{i}@example.in", tx.Now });
                    await outbox.AppendAsync(tx, orgId, "call.completed", new
                    {
                        id = Ids.New(tx.Now),
                        status = "completed",
                        direction = "outbound",
                        from_e164 = "+918041234567",
                        to_e164 = $"+9198{i:D8}",
                        agent_id = Ids.New(tx.Now),
                        contact_id = contactId,
                        duration_sec = 42,
                        outcome = "answered",
                        end_reason = "remote_hangup",
                        started_at = tx.Now,
                        created_at = tx.Now,
                    });
                }
            });
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
