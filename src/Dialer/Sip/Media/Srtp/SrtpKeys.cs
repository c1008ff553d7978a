using System.Security.Cryptography;

namespace Cualify.Appliance.Dialer.Sip.Media.Srtp;

/// <summary>
/// Session keys derived from a master key and salt (RFC 3711 §4.3, key derivation rate 0): the AES-CM PRF keyed with
/// the master key over (salt XOR label) · 2^16. Labels 0–2 are SRTP's cipher key, auth key and salt; 3–5 SRTCP's.
/// </summary>
internal sealed record SrtpKeys(byte[] CipherKey, byte[] AuthKey, byte[] Salt)
{
    private const int AuthKeyLength = 20;

    public static SrtpKeys Derive(ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, bool rtcp)
    {
        var first = (byte)(rtcp ? 3 : 0);
        using var prf = new AesCounterMode(masterKey);
        return new SrtpKeys(
            Derive(prf, masterSalt, first, SrtpSuite.MasterKeyLength),
            Derive(prf, masterSalt, (byte)(first + 1), AuthKeyLength),
            Derive(prf, masterSalt, (byte)(first + 2), SrtpSuite.MasterSaltLength));
    }

    private static byte[] Derive(AesCounterMode prf, ReadOnlySpan<byte> masterSalt, byte label, int length)
    {
        Span<byte> iv = stackalloc byte[16];
        iv.Clear();
        masterSalt.CopyTo(iv);
        iv[7] ^= label;
        var output = new byte[length];
        prf.Apply(iv, output);
        return output;
    }

    /// <summary>The packet IV of §4.1.1: salt · 2^16 XOR SSRC · 2^64 XOR index · 2^16.</summary>
    public void WriteIv(Span<byte> iv, uint ssrc, ulong index)
    {
        iv.Clear();
        Salt.CopyTo(iv);
        iv[4] ^= (byte)(ssrc >> 24);
        iv[5] ^= (byte)(ssrc >> 16);
        iv[6] ^= (byte)(ssrc >> 8);
        iv[7] ^= (byte)ssrc;
        for (var i = 0; i < 6; i++)
        {
            iv[8 + i] ^= (byte)(index >> (8 * (5 - i)));
        }
    }

    /// <summary>HMAC-SHA1 of <paramref name="data"/> with the auth key, truncated into <paramref name="tag"/>.</summary>
    public void Tag(ReadOnlySpan<byte> data, Span<byte> tag)
    {
        Span<byte> full = stackalloc byte[HMACSHA1.HashSizeInBytes];
        HMACSHA1.HashData(AuthKey, data, full);
        full[..tag.Length].CopyTo(tag);
    }
}
