using System.Buffers.Binary;

namespace Cualify.Appliance.Testing;

/// <summary>Builds WAV files the way audio tools write them (an extra chunk before the audio included), for uploads and the converter.</summary>
public static class WavFixtures
{
    /// <summary>A 440 Hz tone, every channel the same.</summary>
    public static byte[] Tone(int rate, int bits, int channels, double seconds) => Tone(rate, bits, channels, frequency: 440, seconds);

    /// <summary>Silence as 32-bit float samples (format code 3), which uploads refuse.</summary>
    public static byte[] Float32(int rate, double seconds) => Wrap(new byte[(int)(rate * seconds) * 4], rate, 32, 1, formatCode: 3);

    /// <summary>A sine tone as integer PCM of <paramref name="bits"/> bits, every channel the same.</summary>
    public static byte[] Tone(int sampleRate, int bits, int channels, double frequency, double seconds, double amplitude = 0.5, bool extensible = false, int formatCode = 1)
    {
        var frames = (int)(sampleRate * seconds);
        var bytesPerSample = bits / 8;
        var data = new byte[frames * channels * bytesPerSample];
        for (var i = 0; i < frames; i++)
        {
            var value = amplitude * Math.Sin(2 * Math.PI * frequency * i / sampleRate);
            for (var c = 0; c < channels; c++)
            {
                WriteSample(data.AsSpan((i * channels + c) * bytesPerSample, bytesPerSample), value, bits);
            }
        }

        return Wrap(data, sampleRate, bits, channels, extensible, formatCode);
    }

    public static byte[] Wrap(byte[] data, int sampleRate, int bits, int channels, bool extensible = false, int formatCode = 1)
    {
        var fmtSize = extensible ? 40 : 16;
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        writer.Write("RIFF"u8);
        writer.Write(4 + (8 + fmtSize) + (8 + 4) + (8 + data.Length));
        writer.Write("WAVE"u8);
        writer.Write("fmt "u8);
        writer.Write(fmtSize);
        writer.Write((ushort)(extensible ? 0xFFFE : formatCode));
        writer.Write((ushort)channels);
        writer.Write(sampleRate);
        writer.Write(sampleRate * channels * bits / 8);
        writer.Write((ushort)(channels * bits / 8));
        writer.Write((ushort)bits);
        if (extensible)
        {
            writer.Write((ushort)22);
            writer.Write((ushort)bits);
            writer.Write(channels == 1 ? 4 : 3);
            writer.Write((ushort)formatCode);
            writer.Write(new byte[] { 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71 });
        }

        // A chunk tools often add before the audio, which readers must skip.
        writer.Write("LIST"u8);
        writer.Write(4);
        writer.Write("INFO"u8);
        writer.Write("data"u8);
        writer.Write(data.Length);
        writer.Write(data);
        writer.Flush();
        return stream.ToArray();
    }

    private static void WriteSample(Span<byte> target, double value, int bits)
    {
        switch (bits)
        {
            case 8:
                target[0] = (byte)Math.Clamp(Math.Round(value * 127 + 128), 0, 255);
                break;
            case 16:
                BinaryPrimitives.WriteInt16LittleEndian(target, (short)Math.Round(value * 32767));
                break;
            case 24:
                var v24 = (int)Math.Round(value * 8388607);
                target[0] = (byte)v24;
                target[1] = (byte)(v24 >> 8);
                target[2] = (byte)(v24 >> 16);
                break;
            default:
                BinaryPrimitives.WriteInt32LittleEndian(target, (int)Math.Round(value * 2147483647));
                break;
        }
    }
}
