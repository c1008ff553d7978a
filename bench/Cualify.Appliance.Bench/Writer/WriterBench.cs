using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cualify.Appliance.Bench.Mail;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Bench.Writer;

/// <summary>
/// Form-to-SMTP latency of a written first step: <c>POST /sequences/start</c> with <c>auto_approve</c> for a template
/// whose first step has a writer, to the message's dump file appearing at Postfix's <c>smtp-sink</c>, with a writer
/// that answers after a fixed delay (1 s). The appliance's own share is the total minus the time the writer held the
/// request (measured at the writer, arrival to answer). Reference, interleaved one-for-one in the same run on the
/// same appliance: the same start for a template with the same step as fixed text (no writer), to the same moment.
/// </summary>
public static class WriterBench
{
    public static async Task<int> RunAsync(string[] arguments)
    {
        var args = new BenchArgs(arguments);
        var probes = args.Int("probes", 50);
        var delay = TimeSpan.FromMilliseconds(args.Int("writer-ms", 1000));

        using var data = new TempDirectory("bench-writer");
        using var dumps = new TempDirectory("bench-writer-dumps");
        if (!OperatingSystem.IsWindows())
        {
            // smtp-sink drops to nobody before it writes the dumps.
            File.SetUnixFileMode(dumps.Path, (UnixFileMode)0b111_111_111);
        }

        await using var writer = await SlowWriter.StartAsync(delay);
        var port = FreePorts.Tcp();
        var adminKey = (await ApplianceProcess.RunVerbAsync(["init", "--data-dir", data.Path])).StandardOutput.Trim();
        var environment = new Dictionary<string, string>
        {
            ["CUALIFY__Logging__Level"] = "Warning",
            ["CUALIFY__Mailer__Smtp__Host"] = "127.0.0.1",
            ["CUALIFY__Mailer__Smtp__Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["CUALIFY__Mailer__Smtp__Security"] = "none",
            ["CUALIFY__Mailer__From"] = "bench@cualify.test",
            ["CUALIFY__Mailer__DefaultTimeZone"] = "UTC",
            ["CUALIFY__Sequences__Writer__Endpoint"] = new Uri(writer.BaseAddress, "/v1").ToString(),
            ["CUALIFY__Sequences__Writer__Model"] = "bench-model",
            ["CUALIFY__Sequences__Writer__ApiKey"] = "sk-bench",
        };

        await using var appliance = await ApplianceProcess.StartAsync(data.Path, environment);
        using var api = appliance.Client(adminKey);
        var written = await CreateTemplateAsync(api, withWriter: true);
        var fixedText = await CreateTemplateAsync(api, withWriter: false);

        Console.Error.WriteLine($"Latency: {probes} auto-approved starts with a written first step (writer answers in {delay.TotalMilliseconds:F0} ms), interleaved with {probes} with fixed text …");
        var total = new Latencies();
        var own = new Latencies();
        var reference = new Latencies();
        await using (await SmtpSink.StartAsync(port, dumps.Path))
        {
            for (var i = 0; i < probes + 2; i++)
            {
                var name = $"Probe{i}";
                var withWriter = await ProbeAsync(api, written, dumps.Path, name);
                var held = writer.HeldMs(name);
                var withoutWriter = await ProbeAsync(api, fixedText, dumps.Path, $"Fixed{i}");
                if (i >= 2)
                {
                    // The first two warm up the JIT, the writer's connection and the SMTP pool.
                    total.Add(withWriter);
                    own.Add(withWriter - held);
                    reference.Add(withoutWriter);
                }
            }
        }

        Console.WriteLine($"| start (auto_approve, written first step) → message at the SMTP server, writer {delay.TotalMilliseconds:F0} ms, {probes} starts | p50 {total.Percentile(50):F1} ms | p99 {total.Percentile(99):F1} ms |");
        Console.WriteLine($"| the appliance's own share (total − time the writer held the request) | p50 {own.Percentile(50):F1} ms | p99 {own.Percentile(99):F1} ms, max {own.Percentile(100):F1} ms |");
        Console.WriteLine($"| (reference) the same start with fixed text, no writer, {probes} starts | p50 {reference.Percentile(50):F1} ms | p99 {reference.Percentile(99):F1} ms |");
        Console.WriteLine($"| Ratio own share / fixed-text start (p50) | {own.Percentile(50) / reference.Percentile(50):F2} | p99 {own.Percentile(99) / reference.Percentile(99):F2} |");
        Console.WriteLine($"Machine: {MachineInfo.Describe()}");
        return 0;
    }

    private static async Task<string> CreateTemplateAsync(HttpClient api, bool withWriter)
    {
        object step = withWriter
            ? new { channel = "email", delay_minutes = 0, subject = "{{ contact.first_name }}, the pricing you asked for", body = "Hi {{ contact.first_name }}, thanks for asking about our pricing.", writer = new { instructions = "Thank {{ contact.first_name }} for asking about pricing; offer a 15-minute call." } }
            : new { channel = "email", delay_minutes = 0, subject = "{{ contact.first_name }}, los precios que pidió", body = "Hola {{ contact.first_name }}:\n\nGracias por preguntar por nuestros precios. El plan Estándar encaja con un equipo como el suyo; le envío los detalles y con gusto se los explico en una llamada de 15 minutos.\n\nUn saludo,\nAnita" };
        var response = await api.PostAsJsonAsync("/api/v1/sequences/templates", new
        {
            name = withWriter ? "Bench written" : "Bench fixed",
            allowed_channels = new[] { "email" },
            steps = new[] { step },
        });
        response.EnsureSuccessStatusCode();
        return (string)(await response.Content.ReadFromJsonAsync<JsonNode>())!["data"]!["id"]!;
    }

    private static async Task<double> ProbeAsync(HttpClient api, string template, string dumps, string name)
    {
        var before = Directory.GetFiles(dumps).Length;
        var clock = Stopwatch.StartNew();
        var response = await api.PostAsJsonAsync("/api/v1/sequences/start", new
        {
            template_id = template,
            contact = new { first_name = name, emails = new[] { $"{name.ToLowerInvariant()}@example.es" }, notes = "Speaks Spanish. Located in Madrid." },
            auto_approve = true,
        });
        response.EnsureSuccessStatusCode();
        while (Directory.GetFiles(dumps).Length <= before)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"the message for {name} never reached the sink");
            }

            await Task.Delay(1);
        }

        return clock.Elapsed.TotalMilliseconds;
    }
}
