namespace Cualify.Appliance.Dialer.Sip.Media.Srtp;

/// <summary>
/// An SDES crypto suite (RFC 4568 §6.2): AES-128 in counter mode with HMAC-SHA1, whose SRTP tag is 80 or 32 bits;
/// SRTCP's tag is 80 bits in both.
/// </summary>
public sealed record SrtpSuite(string Name, int RtpTagLength, int RtcpTagLength)
{
    public const int MasterKeyLength = 16;
    public const int MasterSaltLength = 14;

    public static SrtpSuite AesCm128HmacSha1_80 { get; } = new("AES_CM_128_HMAC_SHA1_80", 10, 10);

    public static SrtpSuite AesCm128HmacSha1_32 { get; } = new("AES_CM_128_HMAC_SHA1_32", 4, 10);

    /// <summary>In the order we offer them.</summary>
    public static IReadOnlyList<SrtpSuite> All { get; } = [AesCm128HmacSha1_80, AesCm128HmacSha1_32];

    public static SrtpSuite? FromName(string name) => All.FirstOrDefault(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}
