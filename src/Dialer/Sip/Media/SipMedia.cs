using Cualify.Appliance.Dialer.AgentStreams;

namespace Cualify.Appliance.Dialer.Sip.Media;

/// <summary>What calls share for media: RTP ports, the pacing clock, the loaded prompts, and the voice-agent connector.</summary>
public sealed record SipMedia(RtpPortPool Ports, MediaClock Clock, PromptLibrary Prompts, AgentStreamConnector? Agents = null);
