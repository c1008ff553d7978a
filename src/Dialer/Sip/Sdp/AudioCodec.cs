namespace Cualify.Appliance.Dialer.Sip.Sdp;

/// <summary>An audio payload format we can send: G.711 µ-law or A-law at 8 kHz (RFC 3551 §6).</summary>
public sealed record AudioCodec(string Name, int PayloadType)
{
    public static AudioCodec Pcmu { get; } = new("PCMU", 0);

    public static AudioCodec Pcma { get; } = new("PCMA", 8);

    /// <summary>Our payload type for RFC 4733 <c>telephone-event/8000</c>.</summary>
    public const int TelephoneEventPayloadType = 101;

    public const int ClockRate = 8000;

    public static AudioCodec? FromName(string name) => name.ToUpperInvariant() switch
    {
        "PCMU" => Pcmu,
        "PCMA" => Pcma,
        _ => null,
    };
}
