using System.Buffers.Binary;

namespace Cualify.Appliance.Core.Playbooks.Audio;

/// <summary>Writes 16-bit linear PCM RIFF/WAVE files: the form players, browsers and Twilio's &lt;Play&gt; all accept.</summary>
public static class PcmWav
{
    public const int HeaderBytes = 44;
    public const string ContentType = "audio/wav";

    /// <summary>The 44-byte header of a 16-bit PCM WAV whose data chunk holds <paramref name="dataBytes"/> bytes.</summary>
    public static void WriteHeader(Span<byte> header, int sampleRate, int channels, long dataBytes)
    {
        var data = (uint)Math.Min(dataBytes, uint.MaxValue - 36);
        var blockAlign = channels * 2;
        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], 36 + data);
        "WAVE"u8.CopyTo(header[8..]);
        "fmt "u8.CopyTo(header[12..]);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], 16);
        BinaryPrimitives.WriteInt16LittleEndian(header[20..], 1);
        BinaryPrimitives.WriteInt16LittleEndian(header[22..], (short)channels);
        BinaryPrimitives.WriteInt32LittleEndian(header[24..], sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(header[28..], sampleRate * blockAlign);
        BinaryPrimitives.WriteInt16LittleEndian(header[32..], (short)blockAlign);
        BinaryPrimitives.WriteInt16LittleEndian(header[34..], 16);
        "data"u8.CopyTo(header[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[40..], data);
    }

    /// <summary>8 kHz mono µ-law (raw) decoded into a 16-bit PCM WAV file.</summary>
    public static byte[] FromUlaw(ReadOnlySpan<byte> ulaw)
    {
        var wav = new byte[HeaderBytes + (ulaw.Length * 2)];
        WriteHeader(wav, PromptConverter.TelephoneRate, 1, ulaw.Length * 2);
        var samples = wav.AsSpan(HeaderBytes);
        for (var i = 0; i < ulaw.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(samples[(i * 2)..], G711.UlawToLinear(ulaw[i]));
        }

        return wav;
    }
}
