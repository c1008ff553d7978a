using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Dialer.Tests;

/// <summary>The simulator's documented number suffixes, end to end through the dialer.</summary>
public sealed class SimulatorScenarioTests
{
    [Theory]
    [InlineData("+919812345681", "busy", "busy", new[] { "queued", "dialing", "ringing", "hangup" })]
    [InlineData("+919812345682", "no_answer", "no_answer", new[] { "queued", "dialing", "ringing", "hangup" })]
    [InlineData("+919812345683", "failed", "invalid_number", new[] { "queued", "dialing", "hangup" })]
    [InlineData("+919812345684", "failed", "rejected", new[] { "queued", "dialing", "hangup" })]
    [InlineData("+919812345685", "failed", "trunk_error", new[] { "queued", "dialing", "hangup" })]
    public async Task Unanswered_outcomes_end_with_their_status_cost_nothing_and_emit_call_failed(string number, string status, string endReason, string[] timeline)
    {
        await using var harness = await DialerHarness.StartAsync();
        var agentId = await harness.CreatePlaybookAsync();
        await harness.UpsertContactAsync(number);
        await harness.TopUpAsync(10_000);

        var callId = await harness.PlaceCallAsync(new { agent_id = agentId, to_e164 = number });
        var ended = await harness.AdvanceUntilFinalAsync(callId);

        Assert.Equal(status, ended.Status);
        Assert.Equal(endReason, ended.EndReason);
        Assert.Equal(status, ended.Outcome);
        Assert.Equal(0, ended.CreditsDebitedPaise);
        Assert.Null(ended.DurationSec);
        var view = await harness.GetCallAsync(callId);
        Assert.Equal(timeline, view["timeline"]!.AsArray().Select(e => (string)e!["type"]!));
        var credits = (await (await harness.Admin.GetAsync("/api/v1/credits")).ExpectAsync(200))["data"]!;
        Assert.Equal(10_000, (long)credits["balance_paise"]!);
        Assert.Equal(0, (long)credits["reserved_paise"]!);

        var failed = (await harness.Appliance.Get<EventReader>().AfterAsync(await harness.DefaultOrgIdAsync(), 0, ["call.failed"], 10, default)).Single();
        Assert.Contains($"\"status\":\"{status}\"", failed.Data);
        Assert.Contains($"\"end_reason\":\"{endReason}\"", failed.Data);
    }

    [Fact]
    public async Task A_ringing_call_that_is_never_answered_ends_no_answer_at_the_ring_timeout()
    {
        await using var harness = await DialerHarness.StartAsync(settings: new Dictionary<string, string?> { ["Dialer:RingTimeout"] = "00:00:20" });
        var agentId = await harness.CreatePlaybookAsync();
        await harness.UpsertContactAsync("+919812345682");
        await harness.TopUpAsync(10_000);

        var callId = await harness.PlaceCallAsync(new { agent_id = agentId, to_e164 = "+919812345682" });
        var ended = await harness.AdvanceUntilFinalAsync(callId);
        Assert.Equal("no_answer", ended.Status);
        // 1 s set-up + 20 s ringing (the simulator's own steps may slip a second each on a loaded machine).
        Assert.InRange((ended.EndedAt - ended.StartedAt)!.Value.TotalSeconds, 21, 23);
        Assert.Equal("ring timeout (simulated)", ended.EndDetail);
    }

    [Fact]
    public async Task Pressing_1_requests_a_handoff_and_transfers_to_the_playbook_target()
    {
        await using var harness = await DialerHarness.StartAsync();
        var agentId = await harness.CreatePlaybookAsync();
        await harness.UpsertContactAsync("+919812345686");
        await harness.TopUpAsync(10_000);

        var callId = await harness.PlaceCallAsync(new { agent_id = agentId, to_e164 = "+919812345686" });
        var ended = await harness.AdvanceUntilFinalAsync(callId);

        Assert.Equal("completed", ended.Status);
        Assert.Equal("handoff", ended.Outcome);
        Assert.Equal("handoff", ended.EndReason);
        var view = await harness.GetCallAsync(callId);
        var timeline = view["timeline"]!.AsArray();
        Assert.Equal(["queued", "dialing", "ringing", "answered", "disclosure_played", "dtmf_received", "handoff_requested", "hangup"], timeline.Select(e => (string)e!["type"]!));
        Assert.Equal("1", (string?)timeline[5]!["data"]!["digit"]);
        Assert.Equal("+918012345678", (string?)timeline[6]!["data"]!["target"]);
        Assert.True((bool)timeline[6]!["data"]!["transferred"]!);
        Assert.Equal(ended.DurationSec * 10L, ended.CreditsDebitedPaise);
    }

    [Fact]
    public async Task Pressing_9_opts_the_callee_out_hangs_up_and_refuses_the_next_call()
    {
        await using var harness = await DialerHarness.StartAsync();
        var agentId = await harness.CreatePlaybookAsync();
        var contactId = await harness.UpsertContactAsync("+919812345687");
        await harness.TopUpAsync(10_000);

        var callId = await harness.PlaceCallAsync(new { agent_id = agentId, to_e164 = "+919812345687" });
        var ended = await harness.AdvanceUntilFinalAsync(callId);

        Assert.Equal("completed", ended.Status);
        Assert.Equal("opted_out", ended.Outcome);
        Assert.Equal("opted_out", ended.EndReason);
        var view = await harness.GetCallAsync(callId);
        Assert.Equal(["queued", "dialing", "ringing", "answered", "disclosure_played", "dtmf_received", "opted_out", "hangup"],
            view["timeline"]!.AsArray().Select(e => (string)e!["type"]!));

        var contact = (await (await harness.Admin.GetAsync($"/api/v1/contacts/{contactId}")).ExpectAsync(200))["data"]!;
        Assert.True((bool)contact["opted_out"]!);
        Assert.Equal(["voice"], contact["opted_out_channels"]!.AsArray().Select(c => (string)c!));
        var error = await (await harness.Admin.PostJsonAsync("/api/v1/calls", new { agent_id = agentId, to_e164 = "+919812345687" })).ExpectErrorAsync(403, "forbidden");
        Assert.Equal("opted_out", (string?)error["details"]!["reason"]);
    }

    [Fact]
    public async Task A_digit_the_playbook_does_not_map_is_recorded_and_changes_nothing()
    {
        await using var harness = await DialerHarness.StartAsync();
        var agentId = await harness.CreatePlaybookAsync(new { name = "no keys", disclosure_text = "Hello." });
        await harness.UpsertContactAsync("+919812345687");
        await harness.TopUpAsync(10_000);

        var callId = await harness.PlaceCallAsync(new { agent_id = agentId, to_e164 = "+919812345687" });
        var ended = await harness.AdvanceUntilFinalAsync(callId);
        Assert.Equal("remote_hangup", ended.EndReason);
        Assert.Equal("answered", ended.Outcome);
        var timeline = (await harness.GetCallAsync(callId))["timeline"]!.AsArray().Select(e => (string)e!["type"]!).ToList();
        Assert.Contains("dtmf_received", timeline);
        Assert.DoesNotContain("opted_out", timeline);
    }

    [Theory]
    [InlineData("hangup", "voicemail")]
    [InlineData("leave_message", "voicemail_left")]
    public async Task A_voicemail_box_follows_the_playbook_voicemail_setting(string voicemail, string endReason)
    {
        await using var harness = await DialerHarness.StartAsync();
        var agentId = await harness.CreatePlaybookAsync(new { name = "vm", voicemail, disclosure_text = "This is Acme Insurance.", message_text = "Please call us back on 1800 123 456." });
        await harness.UpsertContactAsync("+919812345689");
        await harness.TopUpAsync(10_000);

        var callId = await harness.PlaceCallAsync(new { agent_id = agentId, to_e164 = "+919812345689" });
        var ended = await harness.AdvanceUntilFinalAsync(callId);
        Assert.Equal("completed", ended.Status);
        Assert.Equal("voicemail", ended.Outcome);
        Assert.Equal(endReason, ended.EndReason);
        Assert.Equal(ended.DurationSec * 10L, ended.CreditsDebitedPaise);
    }
}
