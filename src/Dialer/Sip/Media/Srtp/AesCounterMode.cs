using System.Security.Cryptography;

namespace Cualify.Appliance.Dialer.Sip.Media.Srtp;

/// <summary>
/// AES counter mode as SRTP uses it (RFC 3711 §4.1.1): the keystream is AES-ECB over IV, IV+1, IV+2… where the IV's
/// low 16 bits are the block counter; it is XORed onto the data. One instance per key and per thread.
/// </summary>
internal sealed class AesCounterMode : IDisposable
{
    private const int Block = 16;
    private readonly Aes _aes = Aes.Create();

    public AesCounterMode(ReadOnlySpan<byte> key) => _aes.SetKey(key);

    /// <summary>XORs the keystream for <paramref name="iv"/> (16 bytes, low two zero) onto <paramref name="data"/>.</summary>
    public void Apply(ReadOnlySpan<byte> iv, Span<byte> data)
    {
        var blocks = (data.Length + Block - 1) / Block;
        Span<byte> counters = blocks <= 128 ? stackalloc byte[blocks * Block] : new byte[blocks * Block];
        for (var i = 0; i < blocks; i++)
        {
            var counter = counters.Slice(i * Block, Block);
            iv.CopyTo(counter);
            counter[14] = (byte)(i >> 8);
            counter[15] = (byte)i;
        }

        _aes.EncryptEcb(counters, counters, PaddingMode.None);
        for (var i = 0; i < data.Length; i++)
        {
            data[i] ^= counters[i];
        }
    }

    public void Dispose() => _aes.Dispose();
}
