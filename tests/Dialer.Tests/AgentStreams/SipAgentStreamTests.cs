using System.Text.Json.Nodes;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Testing;
using Cualify.Appliance.Dialer.AgentStreams;
using Cualify.Appliance.Dialer.Tests.Sip;
using static Cualify.Appliance.Dialer.Tests.Sip.SipTrunkAppliance;

namespace Cualify.Appliance.Dialer.Tests.AgentStreams;

/// <summary>
/// Calls bridged to a voice agent over Twilio Media Streams, end to end: the appliance calls sipp (which echoes our RTP
/// back, so whatever the agent says returns to it as the callee's audio) and hands the call to the agent stand-in
/// after the disclosure.
/// </summary>
public sealed class SipAgentStreamTests
{
    [Fact]
    public async Task The_agent_gets_the_call_as_Twilio_streams_it_speaks_to_the_callee_gets_its_mark_after_its_audio_and_hangs_up_by_closing()
    {
        await using var agent = await AgentStandIn.StartAsync();
        await using var sipp = SippRun.StartUas("uas_answer_wait_bye.xml", extra: ["-rtp_echo"]);
        await using var appliance = await AgentPlaybooks.StartAsync(sipp.Port, agent.Url);
        var callId = await appliance.PlaceCallAsync("+919812345690", metadata: new JsonObject { ["crm_id"] = "lead-42", ["score"] = 7 });

        var session = await agent.NextSessionAsync();
        Assert.Equal($"Bearer {AgentPlaybooks.Token}", session.Authorization);
        var start = (await session.Started)["start"]!;
        Assert.Equal(callId, (string?)start["callSid"]);
        Assert.Equal((await appliance.Appliance.Get<OrgStore>().FindAsync(OrgStore.DefaultName))!.Id, (string?)start["accountSid"]);
        var parameters = start["customParameters"]!;
        Assert.Equal("renewal", (string?)parameters["campaign"]);
        Assert.Equal(callId, (string?)parameters["call_id"]);
        Assert.Equal("+919812345690", (string?)parameters["to_e164"]);
        Assert.Equal("en-IN", (string?)parameters["language"]);
        Assert.Equal("lead-42", (string?)parameters["crm_id"]);
        Assert.Equal("7", (string?)parameters["score"]);
        Assert.False(string.IsNullOrEmpty((string?)parameters["contact_id"]));

        // One second of 1 kHz in odd-sized chunks, then a mark: sipp echoes it, so it comes back as the callee's audio.
        await session.SendAudioAsync(AgentAudio.ToneUlaw(1000, 1.0), chunkBytes: 333);
        await session.SendMarkAsync("greeting");
        var mark = await session.WaitForAsync("mark", "greeting");
        await session.WaitForInboundFramesAsync(mark.InboundFrames + 25);
        var inbound = session.InboundSamples();
        var loud = AgentAudio.LoudFrames(inbound);
        Assert.True(loud.Take(mark.InboundFrames).Count(l => l) >= 40,
            $"the mark came back after {loud.Take(mark.InboundFrames).Count(l => l)} of the 50 frames it followed had been heard: it must wait for its audio");
        Assert.InRange(loud.Count(l => l), 45, 55);
        Assert.True(AgentAudio.HasTone(inbound, 1000, 440), "the agent's 1 kHz reached the callee (and came back)");

        await session.CloseAsync();
        var call = await appliance.EndedCallAsync(callId);
        Assert.Equal("completed", (string?)call["status"]);
        Assert.Equal("agent_hangup", (string?)call["end_reason"]);
        var timeline = Timeline(call).ToList();
        Assert.True(timeline.IndexOf("disclosure_played") is >= 0 and var disclosed
                    && timeline.IndexOf("agent_connected") > disclosed
                    && timeline.IndexOf("agent_disconnected") > timeline.IndexOf("agent_connected"), string.Join(", ", timeline));
        Assert.Equal("agent_closed", (string?)AgentPlaybooks.Entry(call, "agent_disconnected")["data"]!["reason"]);
        Assert.Equal(session.StreamSid, (string?)AgentPlaybooks.Entry(call, "agent_connected")["data"]!["stream_sid"]);
        Assert.Empty(session.Violations);
        var metrics = appliance.Appliance.Get<AgentStreamMetrics>();
        Assert.True(metrics.FramesPlayed >= 50, $"{metrics.FramesPlayed} agent frames played");
        Assert.Equal(0, metrics.Live);
        Assert.Equal(0, await sipp.ExitCodeAsync());
    }

    [Fact]
    public async Task Clear_drops_the_queued_answer_at_once_and_echoes_its_pending_mark()
    {
        await using var agent = await AgentStandIn.StartAsync();
        await using var sipp = SippRun.StartUas("uas_answer_wait_bye.xml", extra: ["-rtp_echo"]);
        await using var appliance = await AgentPlaybooks.StartAsync(sipp.Port, agent.Url, disclosure: false);
        var callId = await appliance.PlaceCallAsync("+919812345691");
        var session = await agent.NextSessionAsync();

        // Ten seconds of answer at once, as an agent's text-to-speech delivers it; the callee barges in after a little.
        await session.SendAudioAsync(AgentAudio.ToneUlaw(1000, 10.0), chunkBytes: 8000);
        await session.SendMarkAsync("long-answer");
        while (AgentAudio.LoudFrames(session.InboundSamples()).Count(l => l) < 10)
        {
            await session.WaitForInboundFramesAsync(session.InboundFrames + 1);
        }

        await session.SendClearAsync();
        var mark = await session.WaitForAsync("mark", "long-answer");
        var heardBeforeMark = AgentAudio.LoudFrames(session.InboundSamples()).Take(mark.InboundFrames).Count(l => l);
        Assert.True(heardBeforeMark < 250, $"{heardBeforeMark} frames of the 500 were heard before clear took effect");
        await session.WaitForInboundFramesAsync(mark.InboundFrames + 50);
        var after = AgentAudio.LoudFrames(session.InboundSamples())[(mark.InboundFrames + 25)..];
        Assert.DoesNotContain(true, after);

        await session.CloseAsync();
        var call = await appliance.EndedCallAsync(callId);
        Assert.Equal("agent_hangup", (string?)call["end_reason"]);
        Assert.Empty(session.Violations);
    }

    [Fact]
    public async Task A_key_pressed_at_the_callee_reaches_the_agent_as_dtmf_and_an_unmapped_key_is_left_to_it()
    {
        await using var agent = await AgentStandIn.StartAsync();
        await using var sipp = SippRun.StartUas("uas_agent_dtmf.xml", extra: ["-rtp_echo"],
            prepareFolder: folder => DtmfPcap.Write(Path.Combine(folder, "dtmf9.pcap"), eventCode: 9));
        await using var appliance = await AgentPlaybooks.StartAsync(sipp.Port, agent.Url, disclosure: false);
        var callId = await appliance.PlaceCallAsync("+919812345692");
        var session = await agent.NextSessionAsync();

        await session.WaitForAsync("dtmf", "9");
        Assert.Equal("in_progress", (await appliance.Appliance.Get<Core.Calls.CallReader>().GetAsync(callId))!.Status);
        await session.CloseAsync();
        var call = await appliance.EndedCallAsync(callId);
        Assert.Equal("agent_hangup", (string?)call["end_reason"]);
        Assert.Equal("9", (string?)AgentPlaybooks.Entry(call, "dtmf_received")["data"]!["digit"]);
        Assert.DoesNotContain("opted_out", Timeline(call));
        Assert.Empty(session.Violations);
    }

    [Fact]
    public async Task The_maximum_duration_cuts_a_call_with_the_agent_connected_and_the_agent_gets_stop()
    {
        await using var agent = await AgentStandIn.StartAsync();
        await using var sipp = SippRun.StartUas("uas_answer_wait_bye.xml", extra: ["-rtp_echo"]);
        await using var appliance = await AgentPlaybooks.StartAsync(sipp.Port, agent.Url, disclosure: false);
        // Long enough that the stream is bridged before the cut on a loaded machine: a call cut while the socket is
        // still opening never starts the stream, and a stream that never started gets no stop.
        var callId = await appliance.PlaceCallAsync("+919812345693", maxDurationSec: 6);
        var session = await agent.NextSessionAsync();
        await session.Started.WaitAsync(TimeSpan.FromSeconds(5));

        if (await Task.WhenAny(session.Stopped, Task.Delay(TimeSpan.FromSeconds(30))) != session.Stopped)
        {
            // Seen once in CI under load and not since: say what the call and the socket did, for the next one.
            var seen = await (await appliance.Admin.GetAsync($"/api/v1/calls/{callId}")).Content.ReadAsStringAsync();
            Assert.Fail($"No stop within 30 s of the start; the agent's socket {(session.Closed.IsCompleted ? "closed" : "still open")}, "
                + $"{session.InboundFrames} frames in, events [{string.Join(", ", session.Events().Select(e => e.Kind))}]; the call: {seen}");
        }

        var stop = await session.Stopped;
        Assert.Equal(callId, (string?)stop["stop"]!["callSid"]);
        await session.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        var call = await appliance.EndedCallAsync(callId);
        Assert.Equal("completed", (string?)call["status"]);
        Assert.Equal("max_duration_reached", (string?)call["end_reason"]);
        Assert.Equal("max_duration_reached", (string?)AgentPlaybooks.Entry(call, "agent_disconnected")["data"]!["reason"]);
        Assert.True(session.InboundFrames > 50, "the callee's audio flowed to the agent until the cut");
        await appliance.AssertBilledAsync(call);
        Assert.Empty(session.Violations);
    }

    [Fact]
    public async Task Running_out_of_credits_cuts_a_call_with_the_agent_connected()
    {
        await using var agent = await AgentStandIn.StartAsync();
        await using var sipp = SippRun.StartUas("uas_answer_wait_bye.xml", extra: ["-rtp_echo"]);
        await using var appliance = await AgentPlaybooks.StartAsync(sipp.Port, agent.Url, disclosure: false,
            settings: new Dictionary<string, string?> { ["Dialer:MinimumCallDuration"] = "00:00:02" });
        var orgId = (await appliance.Appliance.Get<OrgStore>().FindAsync(OrgStore.DefaultName))!.Id;
        var operatorKey = await appliance.Appliance.Get<ApiKeyStore>().CreateAsync(orgId, new NewApiKey("operator", Scope.Operator));
        using (var op = appliance.Appliance.Client(operatorKey.FullKey))
        {
            // The balance (100 000 paise) now pays for 4 s of talk.
            await (await op.PatchJsonAsync($"/api/v1/orgs/{orgId}", new { rate_paise_per_sec = 25_000, billing_increment_sec = 1 })).ExpectAsync(200);
        }

        var callId = await appliance.PlaceCallAsync("+919812345697");
        var session = await agent.NextSessionAsync();
        var stop = await session.Stopped.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(callId, (string?)stop["stop"]!["callSid"]);

        var call = await appliance.EndedCallAsync(callId);
        Assert.Equal("credits_exhausted", (string?)call["end_reason"]);
        Assert.Equal("credits_exhausted", (string?)AgentPlaybooks.Entry(call, "agent_disconnected")["data"]!["reason"]);
        Assert.Contains("agent_connected", Timeline(call));
        var credits = (await (await appliance.Admin.GetAsync("/api/v1/credits")).ExpectAsync(200))["data"]!;
        Assert.Equal(0, (long)credits["reserved_paise"]!);
        Assert.InRange((long)credits["balance_paise"]!, 0, TopUpPaise);
        Assert.Equal(TopUpPaise - (long)credits["balance_paise"]!, (long)call["credits_debited_paise"]!);
        Assert.Empty(session.Violations);
    }
}
