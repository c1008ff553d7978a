using System.Buffers.Binary;

namespace Cualify.Appliance.Core.Playbooks.Audio;

/// <summary>A decoded WAV: mono samples in [-1, 1] at the file's rate, and what the file was.</summary>
public sealed record DecodedWav(float[] Samples, int SampleRate, int Channels, int BitsPerSample)
{
    public string Description => $"PCM {BitsPerSample}-bit, {SampleRate} Hz, {(Channels == 1 ? "mono" : Channels == 2 ? "stereo" : $"{Channels} channels")}";

    public TimeSpan Duration => TimeSpan.FromSeconds((double)Samples.Length / SampleRate);
}

/// <summary>Why an upload is not a WAV we can convert; the message tells the user what to send instead.</summary>
public sealed class UnsupportedAudioException(string message) : Exception(message);

/// <summary>
/// Reads RIFF/WAVE files holding linear PCM (format 1, or WAVE_FORMAT_EXTENSIBLE with the PCM sub-format):
/// 8-bit unsigned, 16-, 24- and 32-bit signed samples, 1 to 8 channels (mixed down to mono) and any sample rate from
/// 1 kHz to 48 kHz. The length is checked from the header before anything is decoded, so an oversized file costs
/// nothing to refuse.
/// </summary>
public static class WavDecoder
{
    public const int MaxSampleRate = 48_000;

    private const ushort FormatPcm = 1;
    private const ushort FormatFloat = 3;
    private const ushort FormatExtensible = 0xFFFE;

    public static DecodedWav Decode(ReadOnlySpan<byte> file, TimeSpan maxDuration)
    {
        if (file.Length < 12 || !Tag(file, 0, "RIFF") || !Tag(file, 8, "WAVE"))
        {
            var hint = file.Length >= 4 && Tag(file, 0, "RF64") ? " RF64 (over 4 GB) files are not supported." : "";
            throw new UnsupportedAudioException($"The upload is not a WAV file (no RIFF/WAVE header).{hint} Send a PCM .wav file.");
        }

        Format? format = null;
        var offset = 12;
        while (offset + 8 <= file.Length)
        {
            var size = BinaryPrimitives.ReadUInt32LittleEndian(file[(offset + 4)..]);
            var bodyStart = offset + 8;
            var available = (int)Math.Min(size, (uint)(file.Length - bodyStart));
            var body = file.Slice(bodyStart, available);
            if (Tag(file, offset, "fmt "))
            {
                format = ReadFormat(body);
            }
            else if (Tag(file, offset, "data"))
            {
                if (format is null)
                {
                    throw new UnsupportedAudioException("The WAV file has its data before its fmt chunk; re-export it as a standard PCM WAV.");
                }

                var seconds = (double)(body.Length / format.BlockAlign) / format.SampleRate;
                if (seconds > maxDuration.TotalSeconds)
                {
                    throw new UnsupportedAudioException($"The prompt lasts {seconds:0} s; at most {maxDuration.TotalMinutes:0} minutes are allowed.");
                }

                return new DecodedWav(ToMono(body, format), format.SampleRate, format.Channels, format.Bits);
            }

            offset = bodyStart + (int)Math.Min(size + (size & 1), (uint)(file.Length - bodyStart));
        }

        throw new UnsupportedAudioException(format is null
            ? "The WAV file has no fmt chunk; re-export it as a standard PCM WAV."
            : "The WAV file has no data chunk: it holds no audio.");
    }

    private sealed record Format(int Channels, int SampleRate, int Bits, int BlockAlign);

    private static Format ReadFormat(ReadOnlySpan<byte> body)
    {
        if (body.Length < 16)
        {
            throw new UnsupportedAudioException("The WAV file's fmt chunk is truncated.");
        }

        var code = BinaryPrimitives.ReadUInt16LittleEndian(body);
        var channels = BinaryPrimitives.ReadUInt16LittleEndian(body[2..]);
        var rate = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
        var blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(body[12..]);
        var bits = BinaryPrimitives.ReadUInt16LittleEndian(body[14..]);
        if (code == FormatExtensible && body.Length >= 26)
        {
            code = BinaryPrimitives.ReadUInt16LittleEndian(body[24..]);
        }

        if (code != FormatPcm)
        {
            var name = code switch
            {
                FormatFloat => "32-bit floating point",
                2 => "Microsoft ADPCM",
                6 => "A-law",
                7 => "µ-law",
                0x11 => "IMA ADPCM",
                0x55 => "MP3",
                _ => $"format code {code}",
            };
            throw new UnsupportedAudioException($"The WAV file holds {name} audio, not linear PCM. Export it as PCM (8-, 16- or 24-bit integer).");
        }

        if (bits is not (8 or 16 or 24 or 32))
        {
            throw new UnsupportedAudioException($"The WAV file has {bits}-bit samples; 8-, 16-, 24- and 32-bit PCM are supported.");
        }

        if (channels is < 1 or > 8)
        {
            throw new UnsupportedAudioException($"The WAV file has {channels} channels; 1 to 8 are supported.");
        }

        if (rate is < 1_000 or > MaxSampleRate)
        {
            throw new UnsupportedAudioException(
                $"The WAV file's sample rate is {rate} Hz; 1000 to {MaxSampleRate} Hz are supported (the telephone carries 8000 Hz). Export it at 48000 Hz or lower.");
        }

        var frame = channels * bits / 8;
        return new Format(channels, rate, bits, Math.Max((int)blockAlign, frame));
    }

    private static float[] ToMono(ReadOnlySpan<byte> data, Format format)
    {
        var bytesPerSample = format.Bits / 8;
        var frames = data.Length / format.BlockAlign;
        var samples = new float[frames];
        for (var frame = 0; frame < frames; frame++)
        {
            var sum = 0.0;
            for (var channel = 0; channel < format.Channels; channel++)
            {
                sum += Sample(data.Slice(frame * format.BlockAlign + channel * bytesPerSample, bytesPerSample));
            }

            samples[frame] = (float)(sum / format.Channels);
        }

        return samples;
    }

    private static double Sample(ReadOnlySpan<byte> bytes) => bytes.Length switch
    {
        1 => (bytes[0] - 128) / 128.0,
        2 => BinaryPrimitives.ReadInt16LittleEndian(bytes) / 32768.0,
        3 => ((bytes[0] | (bytes[1] << 8) | (bytes[2] << 16)) << 8 >> 8) / 8388608.0,
        _ => BinaryPrimitives.ReadInt32LittleEndian(bytes) / 2147483648.0,
    };

    private static bool Tag(ReadOnlySpan<byte> file, int offset, string tag) =>
        offset + 4 <= file.Length && file[offset] == tag[0] && file[offset + 1] == tag[1] && file[offset + 2] == tag[2] && file[offset + 3] == tag[3];
}
