using System.Buffers.Binary;

namespace Cualify.Appliance.Testing;

/// <summary>Small WAV files as recording tools write them.</summary>
public static class WavFixtures
{
    public static byte[] Tone(int rate, int bits, int channels, double seconds)
    {
        var frames = (int)(rate * seconds);
        var size = bits / 8;
        var data = new byte[frames * channels * size];
        for (var i = 0; i < frames; i++)
        {
            var value = 0.5 * Math.Sin(2 * Math.PI * 440 * i / rate);
            for (var c = 0; c < channels; c++)
            {
                var target = data.AsSpan((i * channels + c) * size, size);
                switch (bits)
                {
                    case 8:
                        target[0] = (byte)Math.Round(value * 127 + 128);
                        break;
                    case 16:
                        BinaryPrimitives.WriteInt16LittleEndian(target, (short)Math.Round(value * 32767));
                        break;
                    default:
                        var v = (int)Math.Round(value * 8388607);
                        target[0] = (byte)v;
                        target[1] = (byte)(v >> 8);
                        target[2] = (byte)(v >> 16);
                        break;
                }
            }
        }

        return Wrap(data, 1, rate, bits, channels);
    }

    public static byte[] Float32(int rate, double seconds) => Wrap(new byte[(int)(rate * seconds) * 4], 3, rate, 32, 1);

    private static byte[] Wrap(byte[] data, ushort format, int rate, int bits, int channels)
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        writer.Write("RIFF"u8);
        writer.Write(36 + data.Length);
        writer.Write("WAVEfmt "u8);
        writer.Write(16);
        writer.Write(format);
        writer.Write((ushort)channels);
        writer.Write(rate);
        writer.Write(rate * channels * bits / 8);
        writer.Write((ushort)(channels * bits / 8));
        writer.Write((ushort)bits);
        writer.Write("data"u8);
        writer.Write(data.Length);
        writer.Write(data);
        writer.Flush();
        return stream.ToArray();
    }
}
