namespace Cualify.Appliance.Dialer.Sip.Media;

/// <summary>What calls share for media: RTP ports, the pacing clock and the loaded prompts.</summary>
public sealed record SipMedia(RtpPortPool Ports, MediaClock Clock, PromptLibrary Prompts);
