using Cualify.Appliance.Dialer.Tests.Sip;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Dialer.Tests.AgentStreams;

/// <summary>The appliance on a SIP trunk with one playbook that hands its calls to an agent at a given URL.</summary>
internal static class AgentPlaybooks
{
    public const string Token = "agent-token-1f2e3d";
    public const string Disclosure = "This is an automated call from Acme Insurance.";
    public const string Fallback = "Our assistant cannot take your call right now. We will call you back tomorrow.";

    public static Task<SipTrunkAppliance> StartAsync(int trunkPort, Uri streamUrl, bool disclosure = true, bool record = false,
        Dictionary<string, string>? dtmf = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        RequiredTool.Find("espeak-ng", "sudo apt-get install -y espeak-ng");
        return SipTrunkAppliance.StartAsync(trunkPort, new
        {
            name = "Agent renewal",
            language = "en-IN",
            disclosure_text = disclosure ? Disclosure : null,
            message_text = Fallback,
            dtmf = dtmf ?? new Dictionary<string, string>(),
            record,
            agent = new { stream_url = streamUrl.ToString(), auth_token = Token, parameters = new Dictionary<string, string> { ["campaign"] = "renewal" } },
        }, prompt: null, settings);
    }

    /// <summary>The timeline entry of <paramref name="type"/>; fails when there is none.</summary>
    public static System.Text.Json.Nodes.JsonNode Entry(System.Text.Json.Nodes.JsonNode call, string type) =>
        call["timeline"]!.AsArray().FirstOrDefault(e => (string?)e!["type"] == type)
        ?? throw new Xunit.Sdk.XunitException($"no {type} in the timeline: {string.Join(", ", SipTrunkAppliance.Timeline(call))}");
}
