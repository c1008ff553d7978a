namespace Cualify.Appliance.OperatorConsole.Tests.Support;

/// <summary>A small PCM WAV to upload: a 440 Hz tone, 16-bit mono.</summary>
public static class Wav
{
    public static byte[] Tone(int seconds, int sampleRate)
    {
        var samples = seconds * sampleRate;
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        writer.Write("RIFF"u8);
        writer.Write(36 + (samples * 2));
        writer.Write("WAVEfmt "u8);
        writer.Write(16);
        writer.Write((short)1);
        writer.Write((short)1);
        writer.Write(sampleRate);
        writer.Write(sampleRate * 2);
        writer.Write((short)2);
        writer.Write((short)16);
        writer.Write("data"u8);
        writer.Write(samples * 2);
        for (var i = 0; i < samples; i++)
        {
            writer.Write((short)(8000 * Math.Sin(2 * Math.PI * 440 * i / sampleRate)));
        }

        writer.Flush();
        return stream.ToArray();
    }
}
