using System.Text.Json.Nodes;
using Cualify.Appliance.Dialer.Tests.Twilio;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Dialer.Tests.AgentStreams;

/// <summary>On Twilio the same agent playbook becomes <c>&lt;Say&gt;</c> then <c>&lt;Connect&gt;&lt;Stream&gt;</c>, so Twilio streams to the same agent.</summary>
public sealed class TwilioAgentStreamTests : IAsyncLifetime
{
    private const string Callee = "+919812345602";
    private FakeTwilio _twilio = null!;
    private DialerHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _twilio = await FakeTwilio.StartAsync();
        var settings = TwilioTestHost.Settings(_twilio);
        settings["Dialer:Twilio:MachineDetection"] = "false";
        _harness = await DialerHarness.StartAsync(settings: settings);
        _twilio.Clock = _harness.Time;
        await _harness.UpsertContactAsync(Callee);
        await _harness.TopUpAsync(100_000);
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _twilio.DisposeAsync();
    }

    [Fact]
    public async Task An_agent_playbook_says_its_disclosure_then_connects_a_bidirectional_stream_with_the_custom_parameters()
    {
        var agentId = await _harness.CreatePlaybookAsync(new
        {
            name = "Agent renewal",
            language = "en-IN",
            disclosure_text = "This is an automated call from Acme & Sons.",
            message_text = "Our assistant is busy.",
            agent = new { stream_url = "wss://agent.example.com/media?tenant=acme", auth_token = "never-sent-to-twilio", parameters = new Dictionary<string, string> { ["campaign"] = "renewal" } },
        });
        var callId = await _harness.PlaceCallAsync(new { agent_id = agentId, to_e164 = Callee, from_e164 = "+918049123456", metadata = new JsonObject { ["crm_id"] = "lead-7" } });
        var placed = await _twilio.NextCallAsync();

        var twiml = placed.TwimlDocument.Root!;
        Assert.Equal(["Say", "Connect", "Hangup"], twiml.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("This is an automated call from Acme & Sons.", twiml.Element("Say")!.Value);
        var stream = twiml.Element("Connect")!.Element("Stream")!;
        Assert.Equal("wss://agent.example.com/media?tenant=acme", (string?)stream.Attribute("url"));
        var parameters = stream.Elements("Parameter").ToDictionary(p => (string)p.Attribute("name")!, p => (string)p.Attribute("value")!);
        Assert.Equal("renewal", parameters["campaign"]);
        Assert.Equal(callId, parameters["call_id"]);
        Assert.Equal(Callee, parameters["to_e164"]);
        Assert.Equal("lead-7", parameters["crm_id"]);
        Assert.DoesNotContain("never-sent-to-twilio", placed.Twiml);
        Assert.DoesNotContain("Our assistant is busy", placed.Twiml);
        Assert.Empty(_twilio.Violations);
    }
}
