namespace Cualify.Appliance.Dialer.Sip.Media;

/// <summary>G.711 companding: µ-law and A-law to and from 16-bit linear, and µ-law → A-law for PCMA calls.</summary>
public static class G711
{
    public const byte MuLawSilence = 0xFF;
    public const byte ALawSilence = 0xD5;

    private static readonly short[] SegmentEnds = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];
    private static readonly byte[] MuLawToALawTable = BuildMuLawToALaw();

    public static short MuLawToLinear(byte value)
    {
        var u = ~value & 0xFF;
        var exponent = (u >> 4) & 0x07;
        var mantissa = u & 0x0F;
        var magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
        return (short)((u & 0x80) != 0 ? -magnitude : magnitude);
    }

    public static short ALawToLinear(byte value)
    {
        var a = value ^ 0x55;
        var magnitude = (a & 0x0F) << 4;
        var segment = (a & 0x70) >> 4;
        magnitude = segment switch
        {
            0 => magnitude + 8,
            1 => magnitude + 0x108,
            _ => (magnitude + 0x108) << (segment - 1),
        };
        return (short)((a & 0x80) != 0 ? magnitude : -magnitude);
    }

    public static byte LinearToALaw(short sample)
    {
        int pcm = sample >> 3;
        int mask;
        if (pcm >= 0)
        {
            mask = 0xD5;
        }
        else
        {
            mask = 0x55;
            pcm = -pcm - 1;
        }

        var segment = 0;
        while (segment < SegmentEnds.Length && pcm > SegmentEnds[segment])
        {
            segment++;
        }

        if (segment >= SegmentEnds.Length)
        {
            return (byte)(0x7F ^ mask);
        }

        var value = (segment << 4) | ((segment < 2 ? pcm >> 1 : pcm >> segment) & 0x0F);
        return (byte)(value ^ mask);
    }

    public static byte MuLawToALaw(byte value) => MuLawToALawTable[value];

    public static byte[] MuLawToALaw(ReadOnlySpan<byte> muLaw)
    {
        var result = new byte[muLaw.Length];
        for (var i = 0; i < muLaw.Length; i++)
        {
            result[i] = MuLawToALawTable[muLaw[i]];
        }

        return result;
    }

    private static byte[] BuildMuLawToALaw()
    {
        var table = new byte[256];
        for (var i = 0; i < 256; i++)
        {
            table[i] = LinearToALaw(MuLawToLinear((byte)i));
        }

        return table;
    }
}
