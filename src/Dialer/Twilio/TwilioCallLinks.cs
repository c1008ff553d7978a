using System.Security.Cryptography;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>
/// The public URLs one call gives Twilio, all under <c>Api:PublicBaseUrl</c> + <c>api/v1/providers/twilio/</c>.
/// Callbacks are named by the appliance's call id and verified by signature; the prompt audio is named by a
/// keyed token that serves only while the call is live (Twilio fetches it without signing; <see cref="TwilioAudioTokens"/>).
/// </summary>
public sealed record TwilioCallLinks(string StatusCallback, string GatherAction, string Twiml, string MachineDetection, string RecordingStatus, string? Audio)
{
    public const string Prefix = "providers/twilio";
    public const string StatusRoute = "calls/{callId}/status";
    public const string GatherRoute = "calls/{callId}/gather";
    public const string TwimlRoute = "calls/{callId}/twiml";
    public const string MachineRoute = "calls/{callId}/machine";
    public const string RecordingRoute = "calls/{callId}/recording";
    public const string AudioRoute = "audio/{token}.wav";

    public static TwilioCallLinks For(Uri publicBase, string callId, string? audioToken)
    {
        var root = new Uri(publicBase, "api/v1/" + Prefix + "/");
        string Link(string route) => new Uri(root, route).AbsoluteUri;
        var id = Uri.EscapeDataString(callId);
        return new TwilioCallLinks(
            Link(StatusRoute.Replace("{callId}", id, StringComparison.Ordinal)),
            Link(GatherRoute.Replace("{callId}", id, StringComparison.Ordinal)),
            Link(TwimlRoute.Replace("{callId}", id, StringComparison.Ordinal)),
            Link(MachineRoute.Replace("{callId}", id, StringComparison.Ordinal)),
            Link(RecordingRoute.Replace("{callId}", id, StringComparison.Ordinal)),
            audioToken is null ? null : Link(AudioRoute.Replace("{token}", audioToken, StringComparison.Ordinal)));
    }

    /// <summary>The link Twilio is given for requests of <paramref name="kind"/>.</summary>
    public string Of(TwilioCallbackKind kind) => kind switch
    {
        TwilioCallbackKind.Status => StatusCallback,
        TwilioCallbackKind.Gather => GatherAction,
        TwilioCallbackKind.Machine => MachineDetection,
        TwilioCallbackKind.Recording => RecordingStatus,
        _ => Twiml,
    };
}
