using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace Cualify.Appliance.Bench.Mail;

/// <summary>
/// The time from <c>POST /sequences/start</c> with <c>auto_approve</c> (a template whose first step is a voice
/// step) to the call being dialed on the simulator — the moment the store shows the simulator's call id, which
/// the dialer writes once the provider has placed the call. Reference, interleaved in the same run on the same
/// appliance: <c>POST /calls</c> for a consenting contact to the same moment. Numbers end in <c>83</c> (the
/// simulator fails them after 1 s without ringing), so the probes do not pile up as live calls.
/// </summary>
public static class VoiceLatency
{
    public static async Task<(Latencies Sequence, Latencies Direct)> MeasureAsync(HttpClient api, string database, int probes)
    {
        var playbook = await PostAsync(api, "/api/v1/playbooks", new { name = "Bench call", language = "en-IN", message_text = "Hello from the bench." });
        var template = await PostAsync(api, "/api/v1/sequences/templates", new
        {
            name = "Bench call",
            allowed_channels = new[] { "voice" },
            steps = new object[] { new { channel = "voice", delay_minutes = 0, agent_id = playbook } },
        });

        await using var store = new SqliteConnection($"Data Source={database};Mode=ReadOnly");
        await store.OpenAsync();
        var sequence = new Latencies();
        var direct = new Latencies();
        for (var i = 0; i < probes + 2; i++)
        {
            var viaSequence = await SequenceProbeAsync(api, store, template, $"+9198765{i:D3}83");
            var viaCalls = await DirectProbeAsync(api, store, playbook, $"+9198764{i:D3}83");
            if (i >= 2)
            {
                // The first two of each warm up the JIT and the store's caches.
                sequence.Add(viaSequence);
                direct.Add(viaCalls);
            }
        }

        return (sequence, direct);
    }

    private static async Task<double> SequenceProbeAsync(HttpClient api, SqliteConnection store, string template, string phone)
    {
        var clock = Stopwatch.StartNew();
        var enrollment = await PostAsync(api, "/api/v1/sequences/start", new
        {
            template_id = template,
            contact = new { first_name = "Probe", phone_numbers = new[] { phone }, consent_capture = "website_form" },
            auto_approve = true,
        }, "enrollment_id");
        var callId = await ScalarAsync(store, "SELECT call_id FROM sequence_steps WHERE enrollment_id = $id AND position = 0", enrollment)
            ?? throw new InvalidOperationException("the voice step queued no call (refused?)");
        return await DialedAsync(store, callId, clock);
    }

    private static async Task<double> DirectProbeAsync(HttpClient api, SqliteConnection store, string playbook, string phone)
    {
        (await api.PostAsJsonAsync("/api/v1/contacts", new { phone_e164 = phone, name = "Probe", consent_capture = "website_form" })).EnsureSuccessStatusCode();
        var clock = Stopwatch.StartNew();
        var callId = await PostAsync(api, "/api/v1/calls", new { agent_id = playbook, to_e164 = phone });
        return await DialedAsync(store, callId, clock);
    }

    private static async Task<double> DialedAsync(SqliteConnection store, string callId, Stopwatch clock)
    {
        while (await ScalarAsync(store, "SELECT provider_call_id FROM calls WHERE id = $id", callId) is null)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"call {callId} was not dialed within 30 s");
            }

            await Task.Delay(1);
        }

        return clock.Elapsed.TotalMilliseconds;
    }

    private static async Task<string?> ScalarAsync(SqliteConnection store, string sql, string id)
    {
        await using var command = store.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$id", id);
        return await command.ExecuteScalarAsync() as string;
    }

    private static async Task<string> PostAsync(HttpClient api, string path, object body, string idField = "id")
    {
        var response = await api.PostAsJsonAsync(path, body);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        return (string)(await response.Content.ReadFromJsonAsync<JsonNode>())!["data"]![idField]!;
    }
}
