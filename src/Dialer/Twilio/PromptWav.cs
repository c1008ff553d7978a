using System.Buffers.Binary;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>
/// The playbook's prompt (8 kHz mono G.711 µ-law, raw) as a 16-bit PCM WAV file, the form every &lt;Play&gt;
/// client accepts. µ-law decoding per ITU-T G.711.
/// </summary>
public static class PromptWav
{
    public const int SampleRate = 8_000;
    public const string ContentType = "audio/wav";

    public static byte[] FromUlaw(ReadOnlySpan<byte> ulaw)
    {
        const int headerSize = 44;
        var dataSize = ulaw.Length * 2;
        var wav = new byte[headerSize + dataSize];
        var span = wav.AsSpan();
        "RIFF"u8.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], 36 + dataSize);
        "WAVE"u8.CopyTo(span[8..]);
        "fmt "u8.CopyTo(span[12..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], 16);
        BinaryPrimitives.WriteInt16LittleEndian(span[20..], 1);
        BinaryPrimitives.WriteInt16LittleEndian(span[22..], 1);
        BinaryPrimitives.WriteInt32LittleEndian(span[24..], SampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(span[28..], SampleRate * 2);
        BinaryPrimitives.WriteInt16LittleEndian(span[32..], 2);
        BinaryPrimitives.WriteInt16LittleEndian(span[34..], 16);
        "data"u8.CopyTo(span[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[40..], dataSize);
        for (var i = 0; i < ulaw.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(span[(headerSize + (i * 2))..], DecodeUlaw(ulaw[i]));
        }

        return wav;
    }

    public static short DecodeUlaw(byte encoded)
    {
        var value = ~encoded & 0xFF;
        var exponent = (value >> 4) & 0x07;
        var mantissa = value & 0x0F;
        var magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
        return (short)((value & 0x80) != 0 ? -magnitude : magnitude);
    }
}
