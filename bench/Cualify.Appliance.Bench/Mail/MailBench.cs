using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cualify.Appliance.Testing;
using Microsoft.Data.Sqlite;

namespace Cualify.Appliance.Bench.Mail;

/// <summary>
/// Messages per second through the mailer (claim → compose → SMTP over pooled connections → record) into
/// Postfix's <c>smtp-sink</c>, against <c>smtp-source</c> sending the same number of messages of about the same
/// size to the same sink over the same number of reused connections, in the same run. Also the time from
/// <c>POST /sequences/start</c> with <c>auto_approve</c> to the first email reaching the SMTP server, and to the
/// first call being dialed on the simulator (<see cref="VoiceLatency"/>, against <c>POST /calls</c>).
/// </summary>
public static class MailBench
{
    public static async Task<int> RunAsync(string[] arguments)
    {
        var args = new BenchArgs(arguments);
        var messages = args.Int("messages", 3000);
        var connections = args.Int("connections", 4);
        var probes = args.Int("probes", 20);

        using var data = new TempDirectory("bench-mail");
        using var dumps = new TempDirectory("bench-mail-dumps");
        if (!OperatingSystem.IsWindows())
        {
            // smtp-sink drops to nobody before it writes the dumps.
            File.SetUnixFileMode(dumps.Path, (UnixFileMode)0b111_111_111);
        }
        var port = FreePorts.Tcp();
        var adminKey = (await ApplianceProcess.RunVerbAsync(["init", "--data-dir", data.Path])).StandardOutput.Trim();
        var operatorKey = (await ApplianceProcess.RunVerbAsync(["keys", "create", "--name", "bench", "--scope", "operator", "--data-dir", data.Path])).StandardOutput.Trim();
        var environment = new Dictionary<string, string>
        {
            ["CUALIFY__Logging__Level"] = "Warning",
            ["CUALIFY__Mailer__Smtp__Host"] = "127.0.0.1",
            ["CUALIFY__Mailer__Smtp__Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["CUALIFY__Mailer__Smtp__Security"] = "none",
            ["CUALIFY__Mailer__Smtp__MaxConnections"] = connections.ToString(CultureInfo.InvariantCulture),
            ["CUALIFY__Mailer__From"] = "bench@cualify.test",
            ["CUALIFY__Mailer__HourlyLimit"] = "10000000",
            ["CUALIFY__Mailer__DailyLimit"] = "10000000",
            ["CUALIFY__Mailer__PollInterval"] = "00:00:00.100",
            ["CUALIFY__Mailer__DefaultTimeZone"] = "UTC",
            ["CUALIFY__Dialer__Provider"] = "simulator",
            ["CUALIFY__Dialer__CallsPerSecond"] = "1000",
            ["CUALIFY__Dialer__MaxConcurrentCalls"] = "1000",
        };

        await using var appliance = await ApplianceProcess.StartAsync(data.Path, environment);
        using (var op = appliance.Client(operatorKey))
        {
            var org = await op.GetFromJsonAsync<JsonNode>("/api/v1/org");
            var orgId = org!["data"]!["id"];
            // Calls at any hour and without rate limits, so the voice probes measure the path, not the policy.
            (await op.PatchAsJsonAsync($"/api/v1/orgs/{orgId}", new
            {
                rate_limit_per_minute = 1_000_000,
                calls_per_second = 1000,
                max_concurrent_calls = 1000,
                calling_hours = "* * * * *",
            })).EnsureSuccessStatusCode();
            (await op.PostAsJsonAsync($"/api/v1/orgs/{orgId}/credits/topups", new { amount_paise = 100_000_000, reference = "bench" })).EnsureSuccessStatusCode();
        }

        using var api = appliance.Client(adminKey);
        var template = await CreateTemplateAsync(api);

        // 1. Latency: sequences/start with auto_approve → the sink has the message (its dump file appears).
        Console.Error.WriteLine($"Latency: {probes} starts with auto_approve …");
        var toServer = new Latencies();
        var toRecorded = new Latencies();
        long messageBytes;
        await using (await SmtpSink.StartAsync(port, dumps.Path))
        {
            for (var i = 0; i < probes + 2; i++)
            {
                var (server, recorded) = await ProbeAsync(api, template, dumps.Path, i);
                if (i >= 2)
                {
                    // The first two warm up the JIT and the connection pool.
                    toServer.Add(server);
                    toRecorded.Add(recorded);
                }
            }

            messageBytes = Directory.GetFiles(dumps.Path).Select(f => new FileInfo(f).Length).Max();
        }

        Console.Error.WriteLine($"Latency: {probes} starts with auto_approve and a voice first step, against {probes} POST /calls …");
        var (toDial, directToDial) = await VoiceLatency.MeasureAsync(api, Path.Combine(data.Path, "appliance.db"), probes);

        // 2. Throughput: enrollments made while waiting for review, then made due in one transaction.
        Console.Error.WriteLine($"Throughput: {messages} enrollments through the mailer over {connections} connections …");
        double mailerRate;
        double sourceRate;
        double transportRate;
        await using (var sink = await SmtpSink.StartAsync(port))
        {
            await EnrollAsync(api, template, messages);
            var clock = await ReleaseAsync(Path.Combine(data.Path, "appliance.db"));
            await WaitForSentAsync(Path.Combine(data.Path, "appliance.db"), probes + 2 + messages);
            mailerRate = messages / clock.Elapsed.TotalSeconds;

            Console.Error.WriteLine($"Reference: smtp-source, {messages} messages of {messageBytes} bytes over {connections} connections …");
            sourceRate = messages / (await sink.SourceAsync(connections, messages, (int)messageBytes)).TotalSeconds;

            Console.Error.WriteLine("Breakdown: compose + pooled SMTP alone, in-process, no store …");
            transportRate = await TransportOnly.MeasureAsync(port, connections, messages);
        }

        Console.WriteLine($"| Mailer → smtp-sink, {connections} connections, {messages} messages | {mailerRate:F0} msg/s | |");
        Console.WriteLine($"| smtp-source → smtp-sink, {connections} connections, {messages} messages of {messageBytes} B | {sourceRate:F0} msg/s | |");
        Console.WriteLine($"| Ratio mailer / smtp-source | {mailerRate / sourceRate:F2} | |");
        Console.WriteLine($"| (breakdown) compose + pooled MailKit alone, no store, same sink and connections | {transportRate:F0} msg/s | |");
        Console.WriteLine($"| sequences/start (auto_approve) → message at the SMTP server, {probes} starts | p50 {toServer.Percentile(50):F1} ms | p95 {toServer.Percentile(95):F1} ms, max {toServer.Percentile(100):F1} ms |");
        Console.WriteLine($"| sequences/start (auto_approve) → enrollment shows the step sent | p50 {toRecorded.Percentile(50):F1} ms | p95 {toRecorded.Percentile(95):F1} ms |");
        Console.WriteLine($"| sequences/start (auto_approve, voice first step) → call dialed on the simulator, {probes} starts | p50 {toDial.Percentile(50):F1} ms | p95 {toDial.Percentile(95):F1} ms, max {toDial.Percentile(100):F1} ms |");
        Console.WriteLine($"| (reference) POST /calls → call dialed on the simulator, {probes} calls | p50 {directToDial.Percentile(50):F1} ms | p95 {directToDial.Percentile(95):F1} ms, max {directToDial.Percentile(100):F1} ms |");
        Console.WriteLine($"| Ratio sequence start → dial / POST /calls → dial (p50) | {toDial.Percentile(50) / directToDial.Percentile(50):F2} | |");
        Console.WriteLine($"Machine: {MachineInfo.Describe()}");
        return 0;
    }

    private static async Task<string> CreateTemplateAsync(HttpClient api)
    {
        var response = await api.PostAsJsonAsync("/api/v1/sequences/templates", new
        {
            name = "Bench",
            allowed_channels = new[] { "email" },
            steps = new object[]
            {
                new
                {
                    channel = "email",
                    delay_minutes = 0,
                    subject = "{{ contact.first_name }}, the pricing you asked for",
                    body = "Hi {{ contact.first_name }},\n\nthanks for asking about our pricing. The plan that fits a team of your size is "
                        + "the Standard plan; I have attached the details and would be glad to walk you through them.\n\n"
                        + "Notes we have: {{ contact.notes }}\n\nBest regards,\nAnita from Cualify",
                },
            },
        });
        response.EnsureSuccessStatusCode();
        return (string)(await response.Content.ReadFromJsonAsync<JsonNode>())!["data"]!["id"]!;
    }

    private static async Task<(double Server, double Recorded)> ProbeAsync(HttpClient api, string template, string dumps, int n)
    {
        var before = Directory.GetFiles(dumps).Length;
        var clock = Stopwatch.StartNew();
        var response = await api.PostAsJsonAsync("/api/v1/sequences/start", new
        {
            template_id = template,
            contact = new { first_name = "Probe", emails = new[] { $"probe{n}@example.com" }, notes = "Latency probe." },
            auto_approve = true,
        });
        response.EnsureSuccessStatusCode();
        var enrollment = (string)(await response.Content.ReadFromJsonAsync<JsonNode>())!["data"]!["enrollment_id"]!;
        double? server = null;
        double? recorded = null;
        while ((server is null || recorded is null) && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (server is null && Directory.GetFiles(dumps).Length > before)
            {
                server = clock.Elapsed.TotalMilliseconds;
            }

            if (recorded is null)
            {
                var view = await api.GetFromJsonAsync<JsonNode>($"/api/v1/sequences/enrollments/{enrollment}");
                if ((string?)view!["data"]!["steps"]![0]!["status"] == "sent")
                {
                    recorded = clock.Elapsed.TotalMilliseconds;
                }
            }
        }

        return (server ?? throw new TimeoutException("the probe message never reached the sink"),
            recorded ?? throw new TimeoutException("the probe step was never recorded as sent"));
    }

    private static async Task EnrollAsync(HttpClient api, string template, int count)
    {
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) <= count)
            {
                var response = await api.PostAsJsonAsync("/api/v1/sequences/start", new
                {
                    template_id = template,
                    contact = new { first_name = $"Lead{n}", emails = new[] { $"lead{n}@example.com" }, notes = "Bench lead." },
                    auto_approve = false,
                });
                response.EnsureSuccessStatusCode();
            }
        }));
    }

    /// <summary>Approves every waiting enrollment in one transaction (what the approve endpoint does, for all at once) and starts the clock.</summary>
    private static async Task<Stopwatch> ReleaseAsync(string database)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Default Timeout=30");
        await connection.OpenAsync();
        await using var transaction = connection.BeginTransaction();
        var now = DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = """
                UPDATE sequence_steps SET status = 'scheduled', scheduled_at = $now
                WHERE position = 0 AND enrollment_id IN (SELECT id FROM sequence_enrollments WHERE status = 'pending_review');
                UPDATE sequence_enrollments SET status = 'active', approved_at = $now, updated_at = $now WHERE status = 'pending_review';
                """;
            command.Parameters.AddWithValue("$now", now);
            await command.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        return Stopwatch.StartNew();
    }

    private static async Task WaitForSentAsync(string database, int total)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sequence_steps WHERE status = 'sent'";
        var deadline = Stopwatch.StartNew();
        while ((long)(await command.ExecuteScalarAsync())! < total)
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException("the mailer did not send every message within 5 minutes");
            }

            await Task.Delay(5);
        }
    }
}
