using System.Net.Http.Headers;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Hosting;
using Cualify.Appliance.Testing;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.Dialer.Tests;

/// <summary>After a crash nothing stays dialing, ringing or in progress: the next start settles it (appliance_restart).</summary>
public sealed class CrashRecoveryTests
{
    [Fact]
    public async Task Calls_a_killed_appliance_left_ringing_and_in_progress_are_settled_on_restart()
    {
        using var dataDir = new TempDirectory("crash");
        var environment = new Dictionary<string, string>
        {
            ["CUALIFY__Logging__Level"] = "Warning",
            ["CUALIFY__Dialer__HeartbeatInterval"] = "00:00:01",
        };
        string adminKey;
        string longCall, ringing;
        DateTimeOffset answeredAt, lastSeen;
        await using (var child = await ApplianceProcess.StartAsync(dataDir.Path, environment))
        {
            adminKey = await child.FirstAdminKeyAsync();
            using var admin = new HttpClient { BaseAddress = child.BaseAddress };
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
            await (await admin.PatchJsonAsync("/api/v1/org", new { calling_hours = "* * * * *" })).ExpectAsync(200);
            var agent = await (await admin.PostJsonAsync("/api/v1/playbooks", new { name = "long", max_duration_sec = 600 })).ExpectAsync(201);
            await (await admin.PostJsonAsync("/api/v1/contacts", new { phone_e164 = "+919812345688", consent_capture = "manual" })).ExpectAsync(200);
            await (await admin.PostJsonAsync("/api/v1/contacts", new { phone_e164 = "+919812345682", consent_capture = "manual" })).ExpectAsync(200);
            Assert.Equal(0, await Cli.ApplianceCommandLine.Build().Parse(TestStore.CliArguments(dataDir.Path, "credits", "topup", "--data-dir", dataDir.Path, "--amount-paise", "10000")).InvokeAsync());

            var agentId = (string)agent["data"]!["id"]!;
            longCall = (string)(await (await admin.PostJsonAsync("/api/v1/calls", new { agent_id = agentId, to_e164 = "+919812345688" })).ExpectAsync(201))["data"]!["id"]!;
            ringing = (string)(await (await admin.PostJsonAsync("/api/v1/calls", new { agent_id = agentId, to_e164 = "+919812345682" })).ExpectAsync(201))["data"]!["id"]!;

            // Wait until the long call has talked for a few heartbeats, then pull the plug.
            (answeredAt, lastSeen) = await WaitForTalkAsync(dataDir.Path, longCall, TimeSpan.FromSeconds(3));
            await child.KillAsync();
            (answeredAt, lastSeen) = await ReadTalkAsync(dataDir.Path, longCall);
        }

        Assert.Equal("ringing", await StatusAsync(dataDir.Path, ringing));
        Assert.Equal("in_progress", await StatusAsync(dataDir.Path, longCall));

        await using var restarted = await RunningAppliance.StartAsync(dataDir.Path);
        using var client = restarted.Client(adminKey);
        var talked = (await (await client.GetAsync($"/api/v1/calls/{longCall}")).ExpectAsync(200))["data"]!;
        Assert.Equal("completed", (string?)talked["status"]);
        Assert.Equal("appliance_restart", (string?)talked["end_reason"]);
        var billedSeconds = (int)Math.Ceiling((lastSeen - answeredAt).TotalSeconds - 1e-9);
        Assert.True(billedSeconds >= 3, $"billed {billedSeconds} s");
        Assert.Equal(billedSeconds, (int)talked["duration_sec"]!);
        Assert.Equal(billedSeconds * 10L, (long)talked["credits_debited_paise"]!);
        Assert.Equal("hangup", (string?)talked["timeline"]!.AsArray()[^1]!["type"]);

        var unanswered = (await (await client.GetAsync($"/api/v1/calls/{ringing}")).ExpectAsync(200))["data"]!;
        Assert.Equal("failed", (string?)unanswered["status"]);
        Assert.Equal("appliance_restart", (string?)unanswered["end_reason"]);
        Assert.Equal(0, (long)unanswered["credits_debited_paise"]!);

        var credits = (await (await client.GetAsync("/api/v1/credits")).ExpectAsync(200))["data"]!;
        Assert.Equal(0, (long)credits["reserved_paise"]!);
        Assert.Equal(10_000 - billedSeconds * 10L, (long)credits["balance_paise"]!);
        await using var connection = await TestStore.OpenAsync(dataDir.Path);
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM credit_reservations WHERE status = 'open'"));
        Assert.Equal(10_000 - billedSeconds * 10L, await connection.ExecuteScalarAsync<long>("SELECT sum(amount_paise) FROM credit_ledger"));
    }

    [Fact]
    public async Task Calls_admitted_but_never_started_and_answered_calls_are_settled_from_their_last_known_point()
    {
        using var dataDir = new TempDirectory("crash-image");
        var monday = DialerHarness.MondayMorningInIndia;
        string agentId;
        await using (var first = await RunningAppliance.StartAsync(dataDir.Path, services: s => s.AddSingleton<TimeProvider>(new FakeTimeProvider(monday))))
        {
            using var admin = first.AdminClient();
            agentId = (string)(await (await admin.PostJsonAsync("/api/v1/playbooks", new { name = "p" })).ExpectAsync(201))["data"]!["id"]!;
            await (await admin.PostJsonAsync("/api/v1/contacts", new { phone_e164 = "+919812345688", consent_capture = "manual" })).ExpectAsync(200);
            await (await admin.PostJsonAsync("/api/v1/contacts", new { phone_e164 = "+919812345678", consent_capture = "manual" })).ExpectAsync(200);
            Assert.Equal(0, await Cli.ApplianceCommandLine.Build().Parse(TestStore.CliArguments(dataDir.Path, "credits", "topup", "--data-dir", dataDir.Path, "--amount-paise", "10000")).InvokeAsync());
            foreach (var number in new[] { "+919812345688", "+919812345678" })
            {
                await (await admin.PostJsonAsync("/api/v1/calls", new { agent_id = agentId, to_e164 = number, not_before = "2026-06-01T07:00:00Z" })).ExpectAsync(201);
            }
        }

        // What a crash leaves: both admitted (dialing, credits reserved), one answered and stamped 42 s later, nothing started.
        var crashAt = DateTimeOffset.Parse("2026-06-01T07:00:00Z");
        string answered, dialing;
        await using (var services = Foundation(dataDir.Path, new FakeTimeProvider(crashAt)))
        {
            var round = await services.GetRequiredService<CallAdmission>().AdmitAsync();
            Assert.Equal(2, round.Admitted.Count);
            answered = round.Admitted.Single(t => t.Call.ToE164 == "+919812345688").Call.Id;
            dialing = round.Admitted.Single(t => t.Call.ToE164 == "+919812345678").Call.Id;
            var lifecycle = services.GetRequiredService<CallLifecycle>();
            await lifecycle.AnsweredAsync(answered, crashAt.AddSeconds(5));
            await lifecycle.HeartbeatAsync([answered], crashAt.AddSeconds(47));
        }

        await using var restarted = await RunningAppliance.StartAsync(dataDir.Path, services: s => s.AddSingleton<TimeProvider>(new FakeTimeProvider(crashAt.AddHours(1))));
        var reader = restarted.Get<CallReader>();
        var talked = (await reader.GetAsync(answered))!;
        Assert.Equal(("completed", "appliance_restart", 42, 420L), (talked.Status, talked.EndReason, talked.DurationSec!.Value, talked.CreditsDebitedPaise));
        Assert.Equal(crashAt.AddSeconds(47), talked.EndedAt);
        var never = (await reader.GetAsync(dialing))!;
        Assert.Equal(("failed", "appliance_restart", 0L), (never.Status, never.EndReason, never.CreditsDebitedPaise));

        var orgId = (await restarted.Get<OrgStore>().FindAsync("default"))!.Id;
        var org = (await restarted.Get<OrgStore>().GetAsync(orgId))!;
        Assert.Equal((9_580L, 0L), (org.BalancePaise, org.ReservedPaise));
        var events = await restarted.Get<EventReader>().AfterAsync(orgId, 0, ["call.completed", "call.failed"], 10, default);
        Assert.Equal(["call.completed", "call.failed"], events.Select(e => e.Type).Order());
    }

    private static ServiceProvider Foundation(string dataDir, TimeProvider time)
    {
        var settings = new ApplianceSettings(dataDir, ConfigFile: TestStore.ConfigFileOf(dataDir));
        var configuration = ApplianceConfiguration.Build(settings);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(time);
        services.AddApplianceFoundation(configuration, settings);
        return services.BuildServiceProvider();
    }

    private static async Task<(DateTimeOffset AnsweredAt, DateTimeOffset LastSeen)> WaitForTalkAsync(string dataDir, string callId, TimeSpan talk)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var (answeredAt, lastSeen) = await ReadTalkAsync(dataDir, callId);
            if (answeredAt != default && lastSeen - answeredAt >= talk)
            {
                return (answeredAt, lastSeen);
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"Call {callId} did not talk for {talk}");
    }

    private static async Task<(DateTimeOffset, DateTimeOffset)> ReadTalkAsync(string dataDir, string callId)
    {
        await using var connection = await TestStore.OpenAsync(dataDir);
        var row = await connection.QuerySingleAsync<(string? AnsweredAt, string? LastSeen)>("SELECT answered_at, last_seen_at FROM calls WHERE id = @callId", new { callId });
        return row.AnsweredAt is null ? default : (UtcTimestamp.Parse(row.AnsweredAt), UtcTimestamp.Parse(row.LastSeen!));
    }

    private static async Task<string> StatusAsync(string dataDir, string callId)
    {
        await using var connection = await TestStore.OpenAsync(dataDir);
        return await connection.ExecuteScalarAsync<string>("SELECT status FROM calls WHERE id = @callId", new { callId }) ?? "";
    }
}
