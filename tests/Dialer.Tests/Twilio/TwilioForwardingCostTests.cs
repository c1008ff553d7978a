using System.Diagnostics;
using System.Xml.Linq;
using Xunit.Abstractions;

namespace Cualify.Appliance.Dialer.Tests.Twilio;

/// <summary>
/// What the hop costs: the same long-TwiML fetch (it changes nothing, so it can be repeated) sent straight to the
/// node that dials the call and through the other node, in alternating rounds. Asserts only that every answer is
/// the placing node's; the figures (CPU and allocations of both nodes per request, latency) go to the test output
/// for BENCHMARKS.md.
/// </summary>
public sealed class TwilioForwardingCostTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Rounds = 10;
    private const int PerRound = 20;
    private TwoTwilioNodes _nodes = null!;

    public async Task InitializeAsync() => _nodes = await TwoTwilioNodes.StartAsync();

    public async Task DisposeAsync() => await _nodes.DisposeAsync();

    [Fact]
    public async Task A_twiml_fetch_repeated_straight_and_through_the_other_node_is_answered_by_the_placing_node_each_time()
    {
        var message = string.Join(' ', Enumerable.Range(0, 1_000).Select(i => $"word{i}"));
        var (_, placed) = await _nodes.PlaceAsync(new
        {
            name = "long", language = "en-IN", message_text = message, dtmf = new Dictionary<string, string> { ["9"] = "opt_out" },
        });
        Assert.Equal(204, await placed.MoveAsync("in-progress"));
        var publicTwiml = placed.Form["Url"][0];
        var parameters = placed.CommonParameters();
        parameters["CallStatus"] = "in-progress";
        var signature = FakeTwilioCall.Sign(_nodes.Twilio.AuthToken, publicTwiml, parameters);
        var direct = new Uri(_nodes.Placing.BaseAddress, new Uri(publicTwiml).PathAndQuery).ToString();
        using var http = new HttpClient();
        var measures = new Dictionary<string, (TimeSpan Cpu, long Bytes, List<double> Ms)> { ["direct"] = default, ["forwarded"] = default };
        foreach (var key in measures.Keys.ToList())
        {
            measures[key] = (TimeSpan.Zero, 0, []);
        }

        for (var round = 0; round < Rounds + 1; round++)
        {
            foreach (var (name, url) in round % 2 == 0 ? new[] { ("direct", direct), ("forwarded", publicTwiml) } : [("forwarded", publicTwiml), ("direct", direct)])
            {
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var bytes = GC.GetTotalAllocatedBytes(precise: true);
                var latencies = new List<double>();
                for (var i = 0; i < PerRound; i++)
                {
                    var started = Stopwatch.GetTimestamp();
                    using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(parameters) };
                    request.Headers.Add("X-Twilio-Signature", signature);
                    using var response = await http.SendAsync(request);
                    var body = await response.Content.ReadAsStringAsync();
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    Assert.Equal(message, string.Join(' ', XDocument.Parse(body).Root!.Element("Gather")?.Elements("Say").Select(e => e.Value) ?? []));
                }

                if (round == 0)
                {
                    continue; // warm-up
                }

                var (totalCpu, totalBytes, all) = measures[name];
                all.AddRange(latencies);
                measures[name] = (totalCpu + (Process.GetCurrentProcess().TotalProcessorTime - cpu), totalBytes + GC.GetTotalAllocatedBytes(precise: true) - bytes, all);
            }
        }

        foreach (var (name, (cpu, bytes, ms)) in measures)
        {
            ms.Sort();
            var count = ms.Count;
            output.WriteLine($"{name}: {count} TwiML fetches, CPU {cpu.TotalMilliseconds / count:F2} ms/request, allocated {bytes / count / 1024.0:F1} KiB/request, " +
                             $"latency p50 {ms[count / 2]:F2} ms, p95 {ms[(int)(count * 0.95)]:F2} ms");
        }

        Assert.Equal(204, await placed.MoveAsync("completed"));
    }
}
