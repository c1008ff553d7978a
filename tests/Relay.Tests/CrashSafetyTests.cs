using Cualify.Appliance.Testing;
using Dapper;
using Xunit.Abstractions;

namespace Cualify.Appliance.Relay.Tests;

public sealed partial class CrashSafetyTests(ITestOutputHelper output)
{
    private const int Burst = 100;

    [Fact]
    public async Task Killing_the_appliance_mid_burst_loses_no_event_every_one_is_delivered_after_restart()
    {
        using var dataDir = new TempDirectory("relay-crash");
        await using var receiver = await WebhookReceiver.StartAsync();
        // A receiver slower than the burst, so deliveries are pending and in flight when the process dies.
        receiver.Respond = _ => new Reply(200, HoldUntil: Task.Delay(50));
        var environment = new Dictionary<string, string>
        {
            ["CUALIFY__Relay__MaxConcurrencyPerEndpoint"] = "2",
            ["CUALIFY__Logging__Level"] = "Warning",
        };

        await using var first = await ApplianceProcess.StartAsync(dataDir.Path, environment);
        var adminKey = AdminKey().Match(await first.WaitForOutputAsync("cuk_live_")).Value;
        using var client = first.Client(adminKey);
        client.Timeout = TimeSpan.FromSeconds(10);
        var webhook = await client.CreateWebhookAsync(receiver.Url(), "contact.created", "contact.updated");

        // The burst runs on two connections while the test kills the process under it.
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<int>();
        var next = 0;
        var burst = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) <= Burst)
            {
                try
                {
                    var response = await client.PostJsonAsync("/api/v1/contacts", new { phone_e164 = RelayHarness.Phone(n), name = $"Burst {n}" });
                    if (response.IsSuccessStatusCode)
                    {
                        acknowledged.Add(n);
                    }
                }
                catch (HttpRequestException)
                {
                    // The process is gone; the rest of the burst fails, as it would for a real client.
                }
                catch (TaskCanceledException)
                {
                }
            }
        })).ToList();

        await Eventually.TrueAsync(() => receiver.Received.Count >= 10, "deliveries are under way");
        await first.KillAsync();
        await Task.WhenAll(burst);
        var receivedBeforeKill = receiver.Received.Count;
        Assert.True(acknowledged.Count < Burst || receivedBeforeKill < acknowledged.Count,
            $"the kill must land mid-burst: {acknowledged.Count} writes acknowledged, {receivedBeforeKill} delivered");

        await using var second = await ApplianceProcess.StartAsync(dataDir.Path, environment);
        var committed = await CommittedEventsAsync(dataDir.Path);
        Assert.True(committed.Count >= acknowledged.Count, $"every acknowledged write has its event ({committed.Count} events, {acknowledged.Count} acknowledged)");
        await Eventually.TrueAsync(() => committed.All(e => receiver.Received.Any(r => r.EventId == e.Id)),
            $"all {committed.Count} committed events reach the receiver after the restart", TimeSpan.FromSeconds(60));

        var delivered = receiver.Received.ToList();
        Assert.All(delivered, r => Verify.Delivery(r, webhook.Secret, webhook.StandardSecret));
        var phones = delivered.Select(r => (string?)r.Envelope["data"]!["phone_e164"]).ToHashSet();
        Assert.All(acknowledged, n => Assert.Contains(RelayHarness.Phone(n), phones));
        Assert.Empty(delivered.Select(r => r.EventId).Except(committed.Select(e => e.Id)));
        Assert.True(receiver.Received.Count > receivedBeforeKill, "the restarted appliance resumed delivering");
        output.WriteLine($"{acknowledged.Count} of {Burst} upserts acknowledged before the kill; {committed.Count} events committed; " +
                         $"{receivedBeforeKill} deliveries before the kill, {delivered.Count} in all ({delivered.Count - committed.Count} repeats, at-least-once)");
    }

    [System.Text.RegularExpressions.GeneratedRegex("cuk_live_[a-z0-9]{8}_[A-Za-z0-9]{32}")]
    private static partial System.Text.RegularExpressions.Regex AdminKey();

    private sealed record CommittedEvent(string Id, string Type);

    private static async Task<List<CommittedEvent>> CommittedEventsAsync(string dataDir)
    {
        await using var connection = await TestStore.OpenAsync(dataDir);
        return (await connection.QueryAsync<CommittedEvent>("SELECT id, type FROM events WHERE type LIKE 'contact.%' ORDER BY seq")).ToList();
    }
}
