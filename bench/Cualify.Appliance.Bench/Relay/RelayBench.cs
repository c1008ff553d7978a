using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Relay.Webhooks;
using Cualify.Appliance.Testing;
using Dapper;

namespace Cualify.Appliance.Bench.Relay;

/// <summary>
/// Webhook deliveries per second through the relay — outbox fan-out, claim, signing, POST, and every attempt
/// recorded in the store — to a local keep-alive Kestrel receiver; and in the same run a bare HttpClient loop
/// posting the same envelope at the same concurrency to the same receiver.
/// </summary>
public static class RelayBench
{
    public static async Task<int> RunAsync(string[] arguments)
    {
        var args = new BenchArgs(arguments);
        var concurrency = args.Int("concurrency", 16);
        var deliveries = args.Int("deliveries", 20_000);
        var rounds = args.Int("rounds", 3);
        var synchronous = args.Get("synchronous", "FULL");

        var loadBefore = LoadAverage();
        await using var receiver = await BenchReceiver.StartAsync();
        await using var appliance = await RunningAppliance.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Relay:MaxConcurrencyPerEndpoint"] = concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Relay:MaxConcurrentDeliveries"] = Math.Max(concurrency, 256).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Store:Synchronous"] = synchronous,
        });
        var orgId = (await appliance.Get<OrgStore>().FindAsync(OrgStore.DefaultName))!.Id;
        var webhook = await appliance.Get<WebhookStore>().CreateAsync(orgId, new NewWebhook(receiver.Url.ToString(), ["contact.created"], "bench"));
        var sample = await AppendEventsAsync(appliance, orgId, 1);
        var envelope = Encoding.UTF8.GetBytes(sample.ToEnvelopeJson());

        Console.Error.WriteLine($"Warm-up: {concurrency} concurrent, relay and bare loop …");
        _ = await MeasureRelayAsync(appliance, orgId, webhook.Webhook.Id, 2_000);
        await MeasureBareAsync(receiver.Url, envelope, concurrency, 2_000);

        var relay = new List<double>();
        var bare = new List<double>();
        var relayCpu = new List<double>();
        var bareCpu = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            var cpu = CpuTime();
            bare.Add(await MeasureBareAsync(receiver.Url, envelope, concurrency, deliveries));
            bareCpu.Add((CpuTime() - cpu).TotalMicroseconds / deliveries);
            var (rate, cpuEach) = await MeasureRelayAsync(appliance, orgId, webhook.Webhook.Id, deliveries);
            relay.Add(rate);
            relayCpu.Add(cpuEach);
            Console.Error.WriteLine($"round {round}: relay {relay[^1]:F0}/s ({relayCpu[^1]:F0} µs CPU each), bare {bare[^1]:F0}/s ({bareCpu[^1]:F0} µs CPU each)");
        }

        var failed = await appliance.Get<ApplianceStore>().ReadAsync(c => c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM webhook_attempts WHERE result <> 'delivered'"));
        var relayMedian = Median(relay);
        var bareMedian = Median(bare);
        Console.WriteLine($"| Relay: {deliveries} events → deliveries, {concurrency} in flight, every attempt recorded (synchronous={synchronous}) | {relayMedian:F0} deliveries/s | rounds: {string.Join(", ", relay.Select(r => r.ToString("F0")))} |");
        Console.WriteLine($"| Bare HttpClient loop, same envelope, {concurrency} concurrent, same receiver | {bareMedian:F0} requests/s | rounds: {string.Join(", ", bare.Select(r => r.ToString("F0")))} |");
        Console.WriteLine($"| Ratio relay / bare (goal ≥ 0.5) | {relayMedian / bareMedian:F2} | |");
        Console.WriteLine($"| CPU per delivery (process, incl. receiver): relay {Median(relayCpu):F0} µs, bare {Median(bareCpu):F0} µs | | |");
        Console.WriteLine($"Machine: {MachineInfo.Describe()}; load average before/after: {loadBefore} / {LoadAverage()}");
        Console.WriteLine($"Attempts not delivered: {failed}");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>
    /// From the commit of <paramref name="count"/> new events to the last of their attempts recorded, and the
    /// process CPU spent per delivery in that time (writing the events is the producer's cost, not counted).
    /// </summary>
    private static async Task<(double Rate, double CpuMicrosEach)> MeasureRelayAsync(RunningAppliance appliance, string orgId, string webhookId, int count)
    {
        var store = appliance.Get<ApplianceStore>();
        var before = await AttemptsAsync(store, webhookId);
        await AppendEventsAsync(appliance, orgId, count);
        var cpu = CpuTime();
        var clock = Stopwatch.StartNew();
        while (await AttemptsAsync(store, webhookId) < before + count)
        {
            await Task.Delay(10);
        }

        var elapsed = clock.Elapsed;
        return (count / elapsed.TotalSeconds, (CpuTime() - cpu).TotalMicroseconds / count);
    }

    /// <summary>Attempts recorded so far (the bench's one endpoint is the only one, so the last row number counts them).</summary>
    private static Task<long> AttemptsAsync(ApplianceStore store, string webhookId) =>
        store.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT coalesce(max(seq), 0) FROM webhook_attempts WHERE webhook_id = @webhookId", new { webhookId }));

    /// <summary>Writes events the way a feature does (outbox append in a transaction), many per transaction.</summary>
    private static async Task<StoredEvent> AppendEventsAsync(RunningAppliance appliance, string orgId, int count)
    {
        var outbox = appliance.Get<EventOutbox>();
        var last = await appliance.Get<ApplianceStore>().WriteAsync(async tx =>
        {
            StoredEvent? evt = null;
            for (var i = 0; i < count; i++)
            {
                evt = await outbox.AppendAsync(tx, orgId, "contact.created", new
                {
                    Id = Guid.CreateVersion7().ToString(),
                    PhoneE164 = $"+9198{i % 100_000_000:D8}",
                    Name = "Riya Sharma",
                    Email = "riya@example.com",
                    LanguagePref = "hi-IN",
                    Metadata = new { lead_source = "google_ads", campaign = "monsoon-2026" },
                    ConsentCapture = "website_form",
                    OptedOut = false,
                    CreatedAt = tx.Now,
                });
            }

            return evt!;
        });
        return last;
    }

    /// <summary>The reference: <paramref name="concurrency"/> loops posting the envelope as fast as the receiver answers.</summary>
    private static async Task<double> MeasureBareAsync(Uri url, byte[] envelope, int concurrency, int count)
    {
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false });
        var json = MediaTypeHeaderValue.Parse("application/json; charset=utf-8");
        var next = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= count)
            {
                using var content = new ByteArrayContent(envelope);
                content.Headers.ContentType = json;
                using var response = await client.PostAsync(url, content);
                response.EnsureSuccessStatusCode();
            }
        }));
        return count / clock.Elapsed.TotalSeconds;
    }

    /// <summary>The 1-, 5- and 15-minute load averages: the machine is shared, and the figures move with them.</summary>
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static TimeSpan CpuTime() => System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
