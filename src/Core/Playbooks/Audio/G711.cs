namespace Cualify.Appliance.Core.Playbooks.Audio;

/// <summary>
/// ITU-T G.711 companding of 16-bit linear PCM to 8-bit µ-law (PCMU, North America/Japan) and A-law
/// (PCMA, Europe/India), segment by segment as the recommendation defines them.
/// </summary>
public static class G711
{
    /// <summary>The µ-law byte of zero amplitude, what a frame without speech is filled with.</summary>
    public const byte UlawSilence = 0xFF;

    /// <summary>The A-law byte of (almost) zero amplitude.</summary>
    public const byte AlawSilence = 0xD5;

    private const int UlawBias = 0x84;
    private const int UlawClip = 32635;
    private static readonly int[] AlawSegmentEnds = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];

    public static byte LinearToUlaw(short pcm)
    {
        int sample = pcm;
        var sign = 0;
        if (sample < 0)
        {
            sign = 0x80;
            sample = -sample;
        }

        sample = Math.Min(sample, UlawClip) + UlawBias;
        var exponent = 7;
        for (var mask = 0x4000; (sample & mask) == 0 && exponent > 0; mask >>= 1)
        {
            exponent--;
        }

        var mantissa = (sample >> (exponent + 3)) & 0x0F;
        return (byte)~(sign | (exponent << 4) | mantissa);
    }

    public static short UlawToLinear(byte ulaw)
    {
        var value = ~ulaw & 0xFF;
        var exponent = (value >> 4) & 0x07;
        var magnitude = ((((value & 0x0F) << 3) + UlawBias) << exponent) - UlawBias;
        return (short)((value & 0x80) != 0 ? -magnitude : magnitude);
    }

    public static byte LinearToAlaw(short pcm)
    {
        int sample = pcm;
        int mask;
        if (sample >= 0)
        {
            mask = 0xD5;
        }
        else
        {
            mask = 0x55;
            sample = -sample - 1;
        }

        sample >>= 3;
        var segment = 0;
        while (segment < AlawSegmentEnds.Length && sample > AlawSegmentEnds[segment])
        {
            segment++;
        }

        if (segment >= 8)
        {
            return (byte)(0x7F ^ mask);
        }

        var value = segment << 4;
        value |= segment < 2 ? (sample >> 1) & 0x0F : (sample >> segment) & 0x0F;
        return (byte)(value ^ mask);
    }

    public static short AlawToLinear(byte alaw)
    {
        var value = alaw ^ 0x55;
        var magnitude = (value & 0x0F) << 4;
        var segment = (value & 0x70) >> 4;
        magnitude = segment switch
        {
            0 => magnitude + 8,
            1 => magnitude + 0x108,
            _ => (magnitude + 0x108) << (segment - 1),
        };
        return (short)((value & 0x80) != 0 ? magnitude : -magnitude);
    }

    public static byte[] EncodeUlaw(ReadOnlySpan<short> pcm)
    {
        var encoded = new byte[pcm.Length];
        for (var i = 0; i < pcm.Length; i++)
        {
            encoded[i] = LinearToUlaw(pcm[i]);
        }

        return encoded;
    }

    public static byte[] EncodeAlaw(ReadOnlySpan<short> pcm)
    {
        var encoded = new byte[pcm.Length];
        for (var i = 0; i < pcm.Length; i++)
        {
            encoded[i] = LinearToAlaw(pcm[i]);
        }

        return encoded;
    }
}
