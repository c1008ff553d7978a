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
