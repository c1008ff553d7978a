using System.Collections.Concurrent;
using System.Runtime.Versioning;
using System.Text.Json.Nodes;
using Cualify.Appliance.Testing;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace Cualify.Appliance.Tests.Cluster;

/// <summary>
/// Three appliance processes on one PostgreSQL database with the simulator dialer and a webhook receiver (SPEC §9),
/// a scaled-down run of issue 18's (the full size belongs in bench/): calls queued and sequences (an email step,
/// then a voice step) started through all three nodes, one node killed with SIGKILL in the middle and started again.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ThreeNodeClusterTests
{
    private const int Calls = 150;
    private const int Starts = 45;
    private const int GlobalCap = 12;
    private const int OrgCap = 8;
    private const double OrgCallsPerSecond = 4;
    private static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task Calls_through_three_nodes_are_dialed_once_within_the_caps_and_a_killed_nodes_calls_are_settled_by_the_others()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var folders = Enumerable.Range(1, 3).Select(i => new TempDirectory($"cluster-node{i}")).ToList();
        var received = new ConcurrentDictionary<string, int>();
        await using var receiver = StandInHost.Create();
        receiver.MapPost("/hook", async (HttpContext context) =>
        {
            var envelope = await JsonNode.ParseAsync(context.Request.Body);
            received.AddOrUpdate((string)envelope!["id"]!, 1, (_, n) => n + 1);
            return Results.Ok();
        });
        var receiverAddress = await StandInHost.StartAsync(receiver);
        var environment = database.Environment();
        environment["CUALIFY__Cluster__NodeTimeout"] = NodeTimeout.ToString();
        environment["CUALIFY__Dialer__MaxConcurrentCalls"] = GlobalCap.ToString();
        var nodes = new ApplianceProcess?[3];
        await using var store = new NpgsqlConnection(database.ConnectionString);
        try
        {
            // The first node migrates and prints the admin key; the others join the migrated database.
            nodes[0] = await ApplianceProcess.StartAsync(folders[0].Path, environment);
            var key = Assert.Single((await nodes[0]!.WaitForOutputAsync("cuk_live_")).Split('\n').Select(l => l.Trim()), l => l.StartsWith("cuk_live_", StringComparison.Ordinal));
            nodes[1] = await ApplianceProcess.StartAsync(folders[1].Path, environment);
            nodes[2] = await ApplianceProcess.StartAsync(folders[2].Path, environment);
            await store.OpenAsync();
            await store.ExecuteAsync("UPDATE orgs SET max_concurrent_calls = @OrgCap, calls_per_second = @OrgCallsPerSecond, rate_limit_per_minute = 1000000",
                new { OrgCap, OrgCallsPerSecond });
            var topUp = await ApplianceProcess.RunVerbAsync(["credits", "topup", "--data-dir", folders[0].Path, "--org", "default", "--amount-paise", "10000000"], environment);
            Assert.True(topUp.ExitCode == 0, topUp.StandardError);

            var clients = nodes.Select(n => n!.Client(key)).ToArray();
            await (await clients[0].PatchJsonAsync("/api/v1/org", new { calling_hours = "* * * * *" })).ExpectAsync(200);
            await (await clients[1].PostJsonAsync("/api/v1/webhooks", new { url = new Uri(receiverAddress, "/hook").ToString(), events = new[] { "*" } })).ExpectAsync(201);
            var playbook = (string)(await (await clients[2].PostJsonAsync("/api/v1/playbooks", new { name = "cluster" })).ExpectAsync(201))["data"]!["id"]!;

            var template = (string)(await (await clients[0].PostJsonAsync("/api/v1/sequences/templates", new
            {
                name = "email then call",
                allowed_channels = new[] { "email", "voice" },
                steps = new object[]
                {
                    new { channel = "email", delay_minutes = 0, subject = "Hello {{ contact.first_name }}", body = "We will call you." },
                    new { channel = "voice", delay_minutes = 0, agent_id = playbook },
                },
            })).ExpectAsync(201))["data"]!["id"]!;

            using var sampling = new CancellationTokenSource();
            var sampler = SampleLiveCallsAsync(database.ConnectionString, sampling.Token);
            // Kill the third node in the middle, at a moment it has live calls (after placing stops, the nodes whose calls end
            // take the freed slots, so a node may have none for a long while); the others settle its calls once it is
            // silent past the timeout, and placing goes on through them.
            var killedNode = (await File.ReadAllTextAsync(Path.Combine(folders[2].Path, "node-id"))).Trim();
            const string LiveOnKilled = "FROM calls WHERE node_id = @killedNode AND status IN ('dialing', 'ringing', 'in_progress')";
            var alive = clients.ToList();
            List<string>? liveAtKill = null;
            var settledAfter = TimeSpan.Zero;
            async Task KillThirdNodeAsync()
            {
                await nodes[2]!.KillAsync();
                alive.Remove(clients[2]);
                var killedAt = DateTime.UtcNow;
                liveAtKill = (await store.QueryAsync<string>($"SELECT id {LiveOnKilled}", new { killedNode })).ToList();
                await WaitUntilAsync(store, $"SELECT count(*) = 0 {LiveOnKilled}", new { killedNode }, NodeTimeout * 3, "the survivors settle the killed node's live calls");
                settledAfter = DateTime.UtcNow - killedAt;
            }

            // Mostly short calls (busy at 3 s, invalid at 1 s); every fifth presses 1 and is billed.
            for (var i = 0; i < Calls; i++)
            {
                if (liveAtKill is null && i >= Calls / 2 && await store.ExecuteScalarAsync<bool>($"SELECT count(*) > 0 {LiveOnKilled}", new { killedNode }))
                {
                    await KillThirdNodeAsync();
                }

                var number = $"+9198{i:D6}{(i % 5) switch { 0 => "86", 1 or 2 => "81", _ => "83" }}";
                var client = alive[i % alive.Count];
                await (await client.PostJsonAsync("/api/v1/contacts", new { phone_e164 = number, consent_capture = "manual" })).ExpectAsync(200);
                await (await client.PostJsonAsync("/api/v1/calls", new { agent_id = playbook, to_e164 = number })).ExpectAsync(201);
                if (i % (Calls / Starts) == 0 && i / (Calls / Starts) < Starts)
                {
                    var n = i / (Calls / Starts);
                    await (await alive[(i + 1) % alive.Count].PostJsonAsync("/api/v1/sequences/start", new
                    {
                        template_id = template,
                        contact = new { first_name = $"Lead{n}", emails = new[] { $"lead{n}@example.com" }, phone_numbers = new[] { $"+9197{n:D6}83" }, consent_capture = "manual" },
                        auto_approve = true,
                    })).ExpectAsync(201);
                }
            }

            if (liveAtKill is null)
            {
                await WaitUntilAsync(store, $"SELECT count(*) > 0 {LiveOnKilled}", new { killedNode }, TimeSpan.FromSeconds(60), "the third node has live calls");
                await KillThirdNodeAsync();
            }

            // The killed node comes back while the survivors dial: it must not touch their calls.
            nodes[2] = await ApplianceProcess.StartAsync(folders[2].Path, environment);
            await WaitUntilAsync(store, "SELECT count(*) = 0 FROM sequence_steps WHERE status IN ('pending', 'scheduled', 'sending')",
                null, TimeSpan.FromSeconds(150), "every sequence step is done");
            await WaitUntilAsync(store, "SELECT count(*) = 0 FROM calls WHERE status IN ('queued', 'dialing', 'ringing', 'in_progress')",
                null, TimeSpan.FromSeconds(150), "every call ends");
            sampling.Cancel();
            var (mostLive, mostLiveAt) = await sampler;

            var calls = (await store.QueryAsync<(string Id, string NodeId, string Status, string? EndReason, string? StartedAt)>(
                "SELECT id, node_id, status, end_reason, started_at FROM calls")).ToList();
            Assert.Equal(Calls + Starts, calls.Count);
            Assert.All(calls, c => Assert.NotNull(c.NodeId));
            Assert.True(calls.Select(c => c.NodeId).Distinct().Count() == 3, "every node dialed");
            var dials = (await store.QueryAsync<(string CallId, long Count)>(
                "SELECT call_id, count(*) FROM call_timeline WHERE type = 'dialing' GROUP BY call_id")).ToDictionary(d => d.CallId, d => d.Count);
            Assert.All(calls, c => Assert.True(dials.GetValueOrDefault(c.Id) == 1, $"call {c.Id} was dialed {dials.GetValueOrDefault(c.Id)} times"));

            // Every email step sent once: one message per step, one file per message across the nodes' pickup folders.
            var emailSteps = (await store.QueryAsync<(string Status, string? MessageId)>("SELECT status, message_id FROM sequence_steps WHERE channel = 'email'")).ToList();
            Assert.Equal(Starts, emailSteps.Count);
            Assert.All(emailSteps, step => Assert.Equal("sent", step.Status));
            var files = folders.SelectMany(f => Directory.Exists(f.Combine("outbox")) ? Directory.GetFiles(f.Combine("outbox"), "*.eml") : []).ToList();
            Assert.Equal(Starts, files.Count);
            var fileMessageIds = files.Select(f => File.ReadLines(f).First(l => l.StartsWith("Message-ID:", StringComparison.OrdinalIgnoreCase))[11..].Trim().Trim('<', '>')).ToHashSet();
            Assert.Equal(emailSteps.Select(s => s.MessageId!.Trim('<', '>')).ToHashSet(), fileMessageIds);
            var voiceSteps = (await store.QueryAsync<string?>("SELECT call_id FROM sequence_steps WHERE channel = 'voice'")).ToList();
            Assert.Equal(Starts, voiceSteps.Count(id => id is not null && calls.Any(c => c.Id == id)));

            var restarted = calls.Where(c => c.EndReason == "appliance_restart").ToList();
            Assert.NotEmpty(liveAtKill!);
            Assert.All(liveAtKill!, id => Assert.Contains(id, restarted.Select(c => c.Id)));
            Assert.All(restarted, c => Assert.Equal(killedNode, c.NodeId));
            Assert.True(settledAfter < NodeTimeout * 3, $"settled after {settledAfter}");

            Assert.True(mostLive <= OrgCap, $"{mostLive} calls were live at {mostLiveAt:O}; the org's cap is {OrgCap}");
            var starts = calls.Where(c => c.StartedAt is not null).Select(c => DateTimeOffset.Parse(c.StartedAt!, System.Globalization.CultureInfo.InvariantCulture)).Order().ToList();
            var busiestSecond = starts.Select((t, i) => starts.Skip(i).TakeWhile(u => u - t < TimeSpan.FromSeconds(1)).Count()).Max();
            Assert.True(busiestSecond <= Math.Ceiling(OrgCallsPerSecond), $"{busiestSecond} calls started within one second; the org allows {OrgCallsPerSecond}/s");

            var (balance, reserved, ledger) = await store.QuerySingleAsync<(long, long, long)>(
                "SELECT balance_paise, reserved_paise, (SELECT sum(amount_paise) FROM credit_ledger WHERE org_id = orgs.id) FROM orgs WHERE name = 'default'");
            Assert.Equal(ledger, balance);
            Assert.Equal(0, reserved);
            Assert.True(balance >= 0);
            Assert.True(await store.ExecuteScalarAsync<long>("SELECT count(*) FROM calls WHERE credits_debited_paise > 0") > 0, "some calls were billed");

            await WaitUntilAsync(store, "SELECT count(*) = 0 FROM webhook_deliveries WHERE status IN ('pending', 'sending')",
                null, TimeSpan.FromSeconds(120), "every webhook delivery ends");
            var events = (await store.QueryAsync<string>("SELECT id FROM events WHERE type <> 'webhook.test'")).ToList();
            var missing = events.Where(id => !received.ContainsKey(id)).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} of {events.Count} events never reached the receiver, e.g. {string.Join(", ", missing.Take(5))}");
        }
        finally
        {
            foreach (var node in nodes)
            {
                if (node is not null)
                {
                    await node.DisposeAsync();
                }
            }

            await store.CloseAsync();
            folders.ForEach(f => f.Dispose());
        }
    }

    /// <summary>The most calls live at once, sampled from the store every 50 ms until cancelled.</summary>
    private static async Task<(long Most, DateTime At)> SampleLiveCallsAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(CancellationToken.None);
        var most = (0L, DateTime.UtcNow);
        while (!cancellationToken.IsCancellationRequested)
        {
            var live = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM calls WHERE status IN ('dialing', 'ringing', 'in_progress')");
            if (live > most.Item1)
            {
                most = (live, DateTime.UtcNow);
            }

            try
            {
                await Task.Delay(50, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return most;
    }

    private static async Task WaitUntilAsync(NpgsqlConnection store, string sql, object? parameters, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await store.ExecuteScalarAsync<bool>(sql, parameters))
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out after {timeout} waiting until {what}");
            await Task.Delay(100);
        }
    }
}
