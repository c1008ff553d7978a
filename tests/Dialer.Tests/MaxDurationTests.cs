using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Dialer.Tests;

/// <summary>
/// A simulated long call (…88, the callee never hangs up) is ended by the dialer at the effective maximum: the
/// smallest of the request, the playbook, the global cap and what the balance pays for.
/// </summary>
public sealed class MaxDurationTests
{
    private const string LongCall = "+919812345688";

    public static TheoryData<string, int?, int, string?, long, int, string> Limits => new()
    {
        // limit,        request, playbook, global cap,  balance, effective, timeline entry
        { "request", 45, 300, null, 100_000, 45, "max_duration_reached" },
        { "playbook", null, 40, null, 100_000, 40, "max_duration_reached" },
        { "global_cap", 500, 600, "00:00:50", 100_000, 50, "max_duration_reached" },
        { "credits", 200, 300, null, 620, 62, "credits_exhausted" },
    };

    [Theory]
    [MemberData(nameof(Limits))]
    public async Task A_long_call_ends_at_the_smallest_limit_with_its_timeline_entry(
        string limitedBy, int? requested, int playbookMax, string? globalCap, long balance, int effective, string entry)
    {
        var settings = globalCap is null ? null : new Dictionary<string, string?> { ["Dialer:MaxCallDuration"] = globalCap };
        await using var harness = await DialerHarness.StartAsync(settings: settings);
        var agentId = await harness.CreatePlaybookAsync(new { name = "long", max_duration_sec = playbookMax, disclosure_text = "Acme calling." });
        await harness.UpsertContactAsync(LongCall);
        await harness.TopUpAsync(balance);

        var callId = await harness.PlaceCallAsync(requested is null ? new { agent_id = agentId, to_e164 = LongCall } : new { agent_id = agentId, to_e164 = LongCall, max_duration_sec = requested });
        var ended = await harness.AdvanceUntilFinalAsync(callId);

        Assert.Equal("completed", ended.Status);
        Assert.Equal(entry, ended.EndReason);
        Assert.Equal(limitedBy, ended.MaxDurationLimitedBy);
        Assert.Equal(effective, ended.MaxDurationSec);
        Assert.Equal(effective, ended.DurationSec);
        Assert.Equal(effective * 10L, ended.CreditsDebitedPaise);

        var view = await harness.GetCallAsync(callId);
        var timeline = view["timeline"]!.AsArray().Select(e => (string)e!["type"]!).ToList();
        Assert.Equal(["queued", "dialing", "ringing", "answered", "disclosure_played", entry, "hangup"], timeline);
        var reached = view["timeline"]!.AsArray().Single(e => (string)e!["type"]! == entry)!;
        Assert.Equal(
            DateTimeOffset.Parse((string)view["timeline"]![3]!["at"]!).AddSeconds(effective),
            DateTimeOffset.Parse((string)reached["at"]!));

        var credits = (await (await harness.Admin.GetAsync("/api/v1/credits")).ExpectAsync(200))["data"]!;
        Assert.Equal(balance - effective * 10L, (long)credits["balance_paise"]!);
        Assert.Equal(0, (long)credits["reserved_paise"]!);
    }

    [Fact]
    public async Task With_minute_pulses_the_balance_buys_whole_minutes_and_billing_rounds_up_to_them()
    {
        await using var harness = await DialerHarness.StartAsync();
        using var op = await harness.OperatorAsync();
        await (await op.PatchJsonAsync($"/api/v1/orgs/{await harness.DefaultOrgIdAsync()}", new { rate_paise_per_sec = 2, billing_increment_sec = 60 })).ExpectAsync(200);
        var agentId = await harness.CreatePlaybookAsync(new { name = "long", max_duration_sec = 3600 });
        await harness.UpsertContactAsync(LongCall);
        await harness.UpsertContactAsync("+919812345678");
        await harness.TopUpAsync(500); // 120 paise a minute: 4 whole minutes

        var longId = await harness.PlaceCallAsync(new { agent_id = agentId, to_e164 = LongCall });
        var ended = await harness.AdvanceUntilFinalAsync(longId, TimeSpan.FromMinutes(10));
        Assert.Equal("credits_exhausted", ended.EndReason);
        Assert.Equal(240, ended.DurationSec);
        Assert.Equal(480, ended.CreditsDebitedPaise);

        // 20 paise left: not even the shortest call worth dialing.
        await (await harness.Admin.PostJsonAsync("/api/v1/calls", new { agent_id = agentId, to_e164 = "+919812345678" })).ExpectErrorAsync(402, "insufficient_credits");
        await harness.TopUpAsync(100);
        var shortId = await harness.PlaceCallAsync(new { agent_id = agentId, to_e164 = "+919812345678" });
        var answered = await harness.AdvanceUntilFinalAsync(shortId);
        // The simulator's hang-up can slip a step behind the clock, a second one on PostgreSQL's slower round trips.
        Assert.InRange(answered.DurationSec!.Value, 30, TestStore.IsPostgres ? 32 : 31);
        Assert.Equal(60, answered.BilledSec); // 30 s talk bills as one minute
        Assert.Equal(120, answered.CreditsDebitedPaise);
    }
}
