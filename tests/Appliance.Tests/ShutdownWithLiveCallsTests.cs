using System.Runtime.Versioning;
using System.Text.Json.Nodes;
using Cualify.Appliance.Testing;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Cualify.Appliance.Tests;

/// <summary>
/// <c>systemctl stop</c> (SIGTERM) while simulator calls are live: every call is hung up and recorded as ended by
/// the shutdown, billed for the time it talked, and nothing is left for the next start to recover.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ShutdownWithLiveCallsTests
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    // …88 answers and never hangs up; …82 rings until the ring timeout (simulator number plan).
    private static readonly string[] Talking = ["+919812345188", "+919812345288", "+919812345388"];
    private const string Ringing = "+919812345482";

    [Fact]
    public async Task Sigterm_hangs_up_live_calls_settles_their_credits_and_exits_0_within_the_stop_timeout()
    {
        using var data = new TempDirectory("sigterm-calls");
        var environment = new Dictionary<string, string>
        {
            ["CUALIFY__Host__ShutdownTimeout"] = "00:00:30",
            ["CUALIFY__Dialer__RingTimeout"] = "00:02:00",
        };
        await using var appliance = await ApplianceProcess.StartAsync(data.Path, environment);
        var key = Assert.Single((await appliance.WaitForOutputAsync("cuk_live_")).Split('\n').Select(l => l.Trim()), l => l.StartsWith("cuk_live_", StringComparison.Ordinal));
        var topUp = await ApplianceProcess.RunVerbAsync(["credits", "topup", "--data-dir", data.Path, "--org", "default", "--amount-paise", "100000"]);
        Assert.True(topUp.ExitCode == 0, topUp.StandardError);

        using var client = appliance.Client(key);
        await (await client.PatchJsonAsync("/api/v1/org", new { calling_hours = "* * * * *" })).ExpectAsync(200);
        var playbook = (string)(await (await client.PostJsonAsync("/api/v1/playbooks", new { name = "long", max_duration_sec = 600 })).ExpectAsync(201))["data"]!["id"]!;
        var calls = new Dictionary<string, string>();
        foreach (var number in Talking.Append(Ringing))
        {
            await (await client.PostJsonAsync("/api/v1/contacts", new { phone_e164 = number, consent_capture = "manual" })).ExpectAsync(200);
            var call = await (await client.PostJsonAsync("/api/v1/calls", new { agent_id = playbook, to_e164 = number })).ExpectAsync(201);
            calls[number] = (string)call["data"]!["id"]!;
        }

        foreach (var number in Talking)
        {
            await WaitForStatusAsync(client, calls[number], "in_progress");
        }

        await WaitForStatusAsync(client, calls[Ringing], "ringing");
        var reservedWhileLive = (long)(await (await client.GetAsync("/api/v1/credits")).ExpectAsync(200))["data"]!["reserved_paise"]!;
        Assert.True(reservedWhileLive > 0, "live calls hold credits");

        await appliance.SignalAsync("TERM");
        Assert.Equal(0, await appliance.WaitForExitAsync(StopTimeout));
        Assert.Contains("Stopped cleanly", appliance.StandardError);

        // Straight from the stopped appliance's store: nothing live, nothing reserved, the ledger adds up.
        await using (var store = new SqliteConnection($"Data Source={Path.Combine(data.Path, "appliance.db")};Mode=ReadOnly;Pooling=False"))
        {
            Assert.Equal(0, await store.ExecuteScalarAsync<long>("SELECT count(*) FROM calls WHERE status IN ('queued', 'dialing', 'ringing', 'in_progress')"));
            Assert.Equal(0, await store.ExecuteScalarAsync<long>("SELECT count(*) FROM credit_reservations WHERE status = 'open'"));
            Assert.Equal(0, await store.ExecuteScalarAsync<long>("SELECT reserved_paise FROM orgs WHERE name = 'default'"));
            Assert.Equal(await store.ExecuteScalarAsync<long>("SELECT balance_paise FROM orgs WHERE name = 'default'"),
                await store.ExecuteScalarAsync<long>("SELECT sum(amount_paise) FROM credit_ledger"));
        }

        // The next start finds nothing left for crash recovery (appliance_restart is for kill -9, not for a stop).
        await using var again = await ApplianceProcess.StartAsync(data.Path, environment);
        using var reader = again.Client(key);
        var debited = 0L;
        foreach (var number in Talking)
        {
            var call = await GetCallAsync(reader, calls[number]);
            Assert.Equal("completed", (string?)call["status"]);
            Assert.Equal("appliance_shutdown", (string?)call["end_reason"]);
            var seconds = (int)call["duration_sec"]!;
            Assert.True(seconds >= 1, $"an answered call talked: {call.ToJsonString()}");
            Assert.Equal(seconds * 10L, (long)call["credits_debited_paise"]!); // the default org's 10 paise a second, 1 s increments
            debited += seconds * 10L;
        }

        var unanswered = await GetCallAsync(reader, calls[Ringing]);
        Assert.Equal(("failed", "appliance_shutdown", 0L), ((string?)unanswered["status"], (string?)unanswered["end_reason"], (long)unanswered["credits_debited_paise"]!));

        var credits = (await (await reader.GetAsync("/api/v1/credits")).ExpectAsync(200))["data"]!;
        Assert.Equal(0, (long)credits["reserved_paise"]!);
        Assert.Equal(100_000 - debited, (long)credits["balance_paise"]!);
        await again.WaitForErrorOutputAsync("Dialing through the simulator provider");
        Assert.DoesNotContain("appliance_restart", again.StandardError);
    }

    private static async Task<JsonNode> GetCallAsync(HttpClient client, string id) =>
        (await (await client.GetAsync($"/api/v1/calls/{id}")).ExpectAsync(200))["data"]!;

    /// <summary>Reads the call until it reaches <paramref name="status"/>; fails at once if it ends some other way.</summary>
    private static async Task WaitForStatusAsync(HttpClient client, string id, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var call = await GetCallAsync(client, id);
            var now = (string?)call["status"];
            if (now == status)
            {
                return;
            }

            Assert.True(call["ended_at"] is null, $"call {id} ended before it was {status}: {call.ToJsonString()}");
            Assert.True(DateTime.UtcNow < deadline, $"call {id} never became {status}: {call.ToJsonString()}");
            await Task.Delay(200);
        }
    }
}
