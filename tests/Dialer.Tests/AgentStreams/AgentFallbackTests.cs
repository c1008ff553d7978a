using Cualify.Appliance.Dialer.AgentStreams;
using Cualify.Appliance.Dialer.Tests.Sip;

namespace Cualify.Appliance.Dialer.Tests.AgentStreams;

/// <summary>An agent the appliance cannot reach (or must not trust): the callee hears the spoken message, the call ends <c>agent_unavailable</c>.</summary>
public sealed class AgentFallbackTests
{
    [Fact]
    public async Task An_agent_that_never_answers_is_given_up_after_5_s_and_the_callee_hears_the_message_instead()
    {
        await using var agent = new SilentAgent();
        await using var callee = await BaresipCallee.StartAsync("+919812345694", HeardAudio.Silence(40));
        await using var appliance = await AgentPlaybooks.StartAsync(callee.Port, agent.Url);
        var callId = await appliance.PlaceCallAsync("+919812345694");

        var call = await appliance.EndedCallAsync(callId);
        Assert.Equal("completed", (string?)call["status"]);
        Assert.Equal("agent_unavailable", (string?)call["end_reason"]);
        var disconnected = AgentPlaybooks.Entry(call, "agent_disconnected")["data"]!;
        Assert.Equal("unreachable", (string?)disconnected["reason"]);
        Assert.Contains("did not answer within 5 s", (string?)disconnected["detail"]);
        Assert.DoesNotContain("agent_connected", SipTrunkAppliance.Timeline(call));
        Assert.True(agent.Accepted >= 1, "the appliance did try the agent");

        // The disclosure (the agent is tried from the answer on, while it plays), silence until 5 s after the answer,
        // then the spoken message.
        var heard = await callee.HeardAsync();
        var (gap, resumesAt) = AgentAudio.LongestInnerSilence(heard);
        Assert.True(gap > 1.0, $"a wait of {gap:0.00} s between the disclosure and the message");
        Assert.InRange(resumesAt, 4.8, 7.5);
        var (_, end) = HeardAudio.SoundSpan(heard);
        Assert.True(end - resumesAt > 2.0, $"the message is spoken after the wait ({resumesAt:0.0}–{end:0.0} s)");
        Assert.Equal(1, appliance.Appliance.Get<AgentStreamMetrics>().ConnectFailures);
    }

    [Fact]
    public async Task A_TLS_agent_whose_certificate_is_not_trusted_is_refused_and_the_call_falls_back()
    {
        using var certificate = TestCertificates.ServerIssuedByUntrustedCa();
        await using var agent = await AgentStandIn.StartAsync(certificate);
        await using var sipp = SippRun.StartUas("uas_answer_wait_bye.xml", extra: ["-rtp_echo"]);
        await using var appliance = await AgentPlaybooks.StartAsync(sipp.Port, agent.Url);
        Assert.Equal("wss", agent.Url.Scheme);
        var callId = await appliance.PlaceCallAsync("+919812345695");

        var call = await appliance.EndedCallAsync(callId);
        Assert.Equal("agent_unavailable", (string?)call["end_reason"]);
        var detail = (string?)AgentPlaybooks.Entry(call, "agent_disconnected")["data"]!["detail"] ?? "";
        Assert.Contains("could not be reached", detail);
        Assert.Equal(0, agent.Connections);
        Assert.Equal(0, await sipp.ExitCodeAsync());
    }
}
