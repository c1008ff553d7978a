using Cualify.Appliance.Dialer.AgentStreams;
using Cualify.Appliance.Dialer.Recording;

namespace Cualify.Appliance.Dialer.Sip.Media;

/// <summary>What calls share for media: RTP ports, the pacing clock, the loaded prompts, the voice-agent connector and the recordings' writer.</summary>
public sealed record SipMedia(RtpPortPool Ports, MediaClock Clock, PromptLibrary Prompts, AgentStreamConnector? Agents = null)
{
    public RecordingWriter Recordings { get; } = new();
}
