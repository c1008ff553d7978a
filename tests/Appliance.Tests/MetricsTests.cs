using System.Globalization;
using System.Text.RegularExpressions;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Tests;

/// <summary><c>/metrics</c> from the running executable, read line by line as Prometheus would.</summary>
public sealed partial class MetricsTests
{
    [Fact]
    public async Task Every_line_of_the_exposition_is_valid_Prometheus_text_with_process_and_build_metrics()
    {
        using var data = new TempDirectory("metrics");
        await using var appliance = await ApplianceProcess.StartAsync(data.Path);
        var key = Assert.Single((await appliance.WaitForOutputAsync("cuk_live_")).Split('\n').Select(l => l.Trim()), l => l.StartsWith("cuk_live_", StringComparison.Ordinal));
        using var client = appliance.Client(key);
        await (await client.GetAsync("/api/v1/credits")).ExpectAsync(200);
        await (await client.GetAsync("/api/v1/contacts/nope")).ExpectAsync(404);

        var response = await client.GetAsync("/metrics");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        var samples = Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(1, Assert.Single(samples, s => s.Name == "cualify_build_info").Value);
        Assert.Matches(@"^\d+\.\d+\.\d+$", Assert.Single(samples, s => s.Name == "cualify_build_info").Labels["version"]);
        Assert.True(Assert.Single(samples, s => s.Name == "cualify_uptime_seconds").Value > 0);
        Assert.True(Assert.Single(samples, s => s.Name == "process_start_time_seconds").Value > 1.7e9);
        Assert.True(Assert.Single(samples, s => s.Name == "process_cpu_seconds_total").Value > 0);
        Assert.True(Assert.Single(samples, s => s.Name == "process_resident_memory_bytes").Value > 1 << 20);
        Assert.True(Assert.Single(samples, s => s.Name == "process_open_fds").Value > 0);
        Assert.Contains(samples, s => s.Name == "cualify_credits_balance_paise" && s.Labels["org"] == "default");
        Assert.Contains(samples, s => s.Name == "cualify_http_requests_total" && s.Labels["route"].TrimEnd('/') == "/api/v1/credits" && s.Labels["status"] == "200");
        Assert.Contains(samples, s => s.Name == "cualify_http_requests_total" && s.Labels["status"] == "404");
    }

    /// <summary>
    /// The operational figures move with real work in the running executable: a simulator call that is busy, one that
    /// talks until canceled, and a sequence email (into the pickup folder on a fresh install).
    /// </summary>
    [Fact]
    public async Task Calls_credits_and_mail_show_up_in_the_metrics_as_they_happen()
    {
        using var data = new TempDirectory("metrics-work");
        await using var appliance = await ApplianceProcess.StartAsync(data.Path);
        var key = Assert.Single((await appliance.WaitForOutputAsync("cuk_live_")).Split('\n').Select(l => l.Trim()), l => l.StartsWith("cuk_live_", StringComparison.Ordinal));
        var topUp = await ApplianceProcess.RunVerbAsync(["credits", "topup", "--data-dir", data.Path, "--amount-paise", "50000"]);
        Assert.True(topUp.ExitCode == 0, topUp.StandardError);
        using var client = appliance.Client(key);
        var before = await ScrapeAsync(client);
        Assert.Equal(50_000, Value(before, "cualify_credits_balance_paise", ("org", "default")));
        Assert.Equal(0, Value(before, "cualify_calls_live", ("status", "in_progress")));
        Assert.Contains(before, s => s.Name == "cualify_relay_outbox_lag_events");
        Assert.Contains(before, s => s.Name == "cualify_relay_outbox_lag_seconds");

        await (await client.PatchJsonAsync("/api/v1/org", new { calling_hours = "* * * * *" })).ExpectAsync(200);
        var playbook = (string)(await (await client.PostJsonAsync("/api/v1/playbooks", new { name = "metrics", max_duration_sec = 600 })).ExpectAsync(201))["data"]!["id"]!;
        foreach (var number in new[] { "+919812345681", "+919812345688" })
        {
            await (await client.PostJsonAsync("/api/v1/contacts", new { phone_e164 = number, consent_capture = "manual" })).ExpectAsync(200);
        }

        // …81 rings, then is busy; …88 answers and talks until the dialer hangs up.
        await (await client.PostJsonAsync("/api/v1/calls", new { agent_id = playbook, to_e164 = "+919812345681" })).ExpectAsync(201);
        var talking = (string)(await (await client.PostJsonAsync("/api/v1/calls", new { agent_id = playbook, to_e164 = "+919812345688" })).ExpectAsync(201))["data"]!["id"]!;
        var during = await WaitForAsync(client, s => Value(s, "cualify_calls_live", ("status", "in_progress")) == 1
            && Value(s, "cualify_calls_ended_total", ("status", "busy")) == 1, "one call in progress and one busy");
        Assert.Equal(2, Value(during, "cualify_dial_decisions_total", ("decision", "admitted"), ("reason", "admitted")));
        Assert.True(Value(during, "cualify_credits_reserved_paise", ("org", "default")) > 0, "the live call holds credits");

        await (await client.PostAsync($"/api/v1/calls/{talking}/cancel", null)).ExpectAsync(202);
        var template = (string)(await (await client.PostJsonAsync("/api/v1/sequences/templates", new
        {
            name = "Metrics",
            allowed_channels = new[] { "email" },
            steps = new object[] { new { channel = "email", delay_minutes = 0, subject = "Hello", body = "Welcome aboard." } },
        })).ExpectAsync(201))["data"]!["id"]!;
        await (await client.PostJsonAsync("/api/v1/sequences/start", new
        {
            template_id = template,
            contact = new { first_name = "Maria", emails = new[] { "maria@example.com" } },
            auto_approve = true,
        })).ExpectAsync(201);

        var after = await WaitForAsync(client, s => Value(s, "cualify_calls_ended_total", ("status", "completed")) == 1
            && Value(s, "cualify_mail_messages_total", ("outcome", "sent")) == 1, "the canceled call completed and the email sent");
        var call = (await (await client.GetAsync($"/api/v1/calls/{talking}")).ExpectAsync(200))["data"]!;
        Assert.Equal(0, Value(after, "cualify_calls_live", ("status", "in_progress")));
        Assert.Equal(0, Value(after, "cualify_credits_reserved_paise", ("org", "default")));
        Assert.Equal(50_000 - (long)call["credits_debited_paise"]!, Value(after, "cualify_credits_balance_paise", ("org", "default")));
        Assert.True((long)call["credits_debited_paise"]! > 0, call.ToJsonString());
        Assert.Single(Directory.GetFiles(Path.Combine(data.Path, "outbox"), "*.eml"));
    }

    /// <summary>
    /// With the sip provider and a trunk that receives but never answers, the INVITE is sent again (timer A) and
    /// <c>cualify_sip_retransmissions_total</c> counts the repeats.
    /// </summary>
    [Fact]
    public async Task Sip_retransmissions_to_a_trunk_that_does_not_answer_are_counted()
    {
        using var trunk = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var trunkPort = ((System.Net.IPEndPoint)trunk.Client.LocalEndPoint!).Port;
        using var data = new TempDirectory("metrics-sip");
        await using var appliance = await ApplianceProcess.StartAsync(data.Path, new Dictionary<string, string>
        {
            ["CUALIFY__Dialer__Provider"] = "sip",
            ["CUALIFY__Dialer__Sip__Trunk"] = $"127.0.0.1:{trunkPort}",
            ["CUALIFY__Dialer__Sip__LocalAddress"] = "127.0.0.1",
            ["CUALIFY__Dialer__Sip__LocalPort"] = "0",
            ["CUALIFY__Dialer__Sip__FromDomain"] = "cualify.test",
        });
        var key = Assert.Single((await appliance.WaitForOutputAsync("cuk_live_")).Split('\n').Select(l => l.Trim()), l => l.StartsWith("cuk_live_", StringComparison.Ordinal));
        var topUp = await ApplianceProcess.RunVerbAsync(["credits", "topup", "--data-dir", data.Path, "--amount-paise", "50000"]);
        Assert.True(topUp.ExitCode == 0, topUp.StandardError);
        using var client = appliance.Client(key);
        Assert.Equal(0, Value(await ScrapeAsync(client), "cualify_sip_retransmissions_total", ("direction", "sent"), ("message", "request")));

        await (await client.PatchJsonAsync("/api/v1/org", new { calling_hours = "* * * * *" })).ExpectAsync(200);
        var playbook = (string)(await (await client.PostJsonAsync("/api/v1/playbooks", new { name = "sip" })).ExpectAsync(201))["data"]!["id"]!;
        await (await client.PostJsonAsync("/api/v1/contacts", new { phone_e164 = "+919812345678", consent_capture = "manual" })).ExpectAsync(200);
        await (await client.PostJsonAsync("/api/v1/calls", new { agent_id = playbook, to_e164 = "+919812345678" })).ExpectAsync(201);

        // The first INVITE, then its first repeat (T1 = 500 ms later): both arrive at the silent trunk.
        var invites = new List<string>();
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (invites.Count < 2)
            {
                var datagram = await trunk.ReceiveAsync(wait.Token);
                var text = System.Text.Encoding.UTF8.GetString(datagram.Buffer);
                if (text.StartsWith("INVITE ", StringComparison.Ordinal))
                {
                    invites.Add(text);
                }
            }
        }

        Assert.Equal(invites[0], invites[1]); // a retransmission is the same request, byte for byte
        var samples = await WaitForAsync(client, s => Value(s, "cualify_sip_retransmissions_total", ("direction", "sent"), ("message", "request")) >= 1,
            "the INVITE's retransmission counted");
        Assert.Equal(0, Value(samples, "cualify_sip_retransmissions_total", ("direction", "received"), ("message", "response")));
    }

    private static async Task<List<Sample>> ScrapeAsync(HttpClient client) => Parse(await client.GetStringAsync("/metrics"));

    /// <summary>Scrapes until <paramref name="done"/> holds (counters move after the work they count commits).</summary>
    private static async Task<List<Sample>> WaitForAsync(HttpClient client, Func<List<Sample>, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var samples = await ScrapeAsync(client);
            if (done(samples))
            {
                return samples;
            }

            Assert.True(DateTime.UtcNow < deadline, $"never saw {what} in /metrics");
            await Task.Delay(100);
        }
    }

    /// <summary>The value of one series; 0 when the series does not exist yet (a counter nothing has bumped).</summary>
    private static double Value(List<Sample> samples, string name, params (string Key, string Value)[] labels) =>
        samples.SingleOrDefault(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value))?.Value ?? 0;

    private sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    /// <summary>
    /// The text format, strictly: HELP and TYPE once per family and before its samples, valid names, label values
    /// escaped, Go float values, no duplicate series, counters named *_total.
    /// </summary>
    private static List<Sample> Parse(string text)
    {
        Assert.EndsWith("\n", text);
        var types = new Dictionary<string, string>();
        var helps = new HashSet<string>();
        var seen = new HashSet<string>();
        var samples = new List<Sample>();
        foreach (var (line, number) in text[..^1].Split('\n').Select((l, i) => (l, i + 1)))
        {
            var where = $"line {number}: '{line}'";
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var help = HelpLine().Match(line);
                Assert.True(help.Success, where);
                Assert.True(helps.Add(help.Groups["name"].Value), $"second HELP, {where}");
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var type = TypeLine().Match(line);
                Assert.True(type.Success, where);
                var name = type.Groups["name"].Value;
                Assert.DoesNotContain(samples, s => s.Name == name);
                Assert.True(types.TryAdd(name, type.Groups["type"].Value), $"second TYPE, {where}");
                continue;
            }

            Assert.False(line.StartsWith('#') || line.Length == 0, $"unexpected comment or blank, {where}");
            var sample = SampleLine().Match(line);
            Assert.True(sample.Success, $"not a sample, {where}");
            var metric = sample.Groups["name"].Value;
            Assert.True(types.ContainsKey(metric), $"sample before its TYPE, {where}");
            Assert.Contains(metric, helps);
            if (types[metric] == "counter")
            {
                Assert.EndsWith("_total", metric);
            }

            var labels = new Dictionary<string, string>();
            foreach (Match label in Label().Matches(sample.Groups["labels"].Value))
            {
                Assert.True(labels.TryAdd(label.Groups["key"].Value, Regex.Unescape(label.Groups["value"].Value)), $"label twice, {where}");
            }

            Assert.True(seen.Add(metric + sample.Groups["labels"].Value), $"duplicate series, {where}");
            var value = sample.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                var v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            samples.Add(new Sample(metric, labels, value));
        }

        return samples;
    }

    [GeneratedRegex(@"^# HELP (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*) (?:[^\\\n]|\\\\|\\n)*$")]
    private static partial Regex HelpLine();

    [GeneratedRegex(@"^# TYPE (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*) (?<type>counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<labels>\{(?:[a-zA-Z_][a-zA-Z0-9_]*=""(?:[^""\\\n]|\\\\|\\""|\\n)*""(?:,[a-zA-Z_][a-zA-Z0-9_]*=""(?:[^""\\\n]|\\\\|\\""|\\n)*"")*)?\})? (?<value>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|\+Inf|-Inf|NaN)(?: -?\d+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(?:[^""\\]|\\.)*)""")]
    private static partial Regex Label();
}
