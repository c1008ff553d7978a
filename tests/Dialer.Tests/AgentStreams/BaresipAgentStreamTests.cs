using Cualify.Appliance.Dialer.Tests.Sip;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Dialer.Tests.AgentStreams;

/// <summary>A real callee (baresip, saying 440 Hz) talking with the agent (saying 1 kHz) on a recorded call.</summary>
public sealed class BaresipAgentStreamTests
{
    [Fact]
    public async Task The_callee_hears_the_agent_the_agent_hears_the_callee_and_the_recording_has_the_agent_on_channel_1()
    {
        await using var agent = await AgentStandIn.StartAsync();
        await using var callee = await BaresipCallee.StartAsync("+919812345696", HeardAudio.Tone(440, seconds: 40));
        await using var appliance = await AgentPlaybooks.StartAsync(callee.Port, agent.Url, record: true);
        var callId = await appliance.PlaceCallAsync("+919812345696");
        var session = await agent.NextSessionAsync();

        await session.WaitForInboundFramesAsync(75);
        Assert.True(AgentAudio.HasTone(session.InboundSamples(), 440, 1000), "the callee's 440 Hz reached the agent");
        await session.SendAudioAsync(AgentAudio.ToneUlaw(1000, 2.0), chunkBytes: 640);
        await session.SendMarkAsync("said");
        await session.WaitForAsync("mark", "said");
        await session.CloseAsync();

        var call = await appliance.EndedCallAsync(callId);
        Assert.Equal("agent_hangup", (string?)call["end_reason"]);
        Assert.True(AgentAudio.HasTone(await callee.HeardAsync(), 1000, 440), "the callee heard the agent's 1 kHz");
        Assert.Empty(session.Violations);

        var url = await RecordingUrlAsync(appliance, callId);
        var wav = await (await appliance.Admin.GetAsync(url)).Content.ReadAsByteArrayAsync();
        var (ours, theirs) = HeardAudio.Channels(wav);
        Assert.True(AgentAudio.HasTone(ours, 1000, 440), "channel 1 holds the agent's side");
        Assert.True(AgentAudio.HasTone(theirs, 440, 1000), "channel 2 holds the callee");
        Assert.True(HeardAudio.Power(ours, 440) < 0.05 * HeardAudio.Power(theirs, 440), "channel 1 is not the callee");
    }

    private static async Task<string> RecordingUrlAsync(SipTrunkAppliance appliance, string callId)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var call = (await (await appliance.Admin.GetAsync($"/api/v1/calls/{callId}")).ExpectAsync(200))["data"]!;
            if ((string?)call["recording_url"] is { } url)
            {
                return url;
            }

            await Task.Delay(200, limit.Token);
        }
    }
}
