namespace Cualify.Appliance.Dialer.Sip.Media.Srtp;

/// <summary>One master key's session keys and counter-mode ciphers, for SRTP and for SRTCP (each used by one thread).</summary>
internal sealed class SrtpCiphers : IDisposable
{
    public SrtpCiphers(ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt)
    {
        RtpKeys = SrtpKeys.Derive(masterKey, masterSalt, rtcp: false);
        RtcpKeys = SrtpKeys.Derive(masterKey, masterSalt, rtcp: true);
        Rtp = new AesCounterMode(RtpKeys.CipherKey);
        Rtcp = new AesCounterMode(RtcpKeys.CipherKey);
    }

    public SrtpKeys RtpKeys { get; }

    public SrtpKeys RtcpKeys { get; }

    public AesCounterMode Rtp { get; }

    public AesCounterMode Rtcp { get; }

    public void Dispose()
    {
        Rtp.Dispose();
        Rtcp.Dispose();
    }
}
