using System.Buffers.Binary;
using System.Text;
using Cualify.Appliance.Core.Playbooks.Audio;
using Cualify.Appliance.Dialer.Recording;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>A recording Twilio served is not the two-channel 8 kHz 16-bit PCM WAV the store keeps.</summary>
public sealed class UnsupportedRecordingException(string message) : Exception(message);

/// <summary>
/// Turns the WAV Twilio serves for a dual-channel call recording into the file the store keeps, as it streams in:
/// the chunks before the audio are skipped, the format must be 8 kHz 16-bit PCM in two channels, and the channels
/// are put in the store's order (channel 1 ours, channel 2 the callee's). Twilio's first channel carries the audio it
/// receives from the callee, its second what it plays to them, so each frame's two samples swap places.
/// The file is written with a 44-byte header, flushed to the disk and created readable by the service user only.
/// </summary>
public static class TwilioRecordingWav
{
    private const int BytesPerFrame = StereoWavWriter.BytesPerFrame;

    /// <summary>Copies <paramref name="twilioWav"/> into a new file at <paramref name="path"/>; returns the audio bytes written.</summary>
    /// <exception cref="UnsupportedRecordingException">Not a WAV, or not two channels of 8 kHz 16-bit PCM.</exception>
    public static async Task<long> WriteAsync(Stream twilioWav, string path, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, BufferSize = StereoWavWriter.BufferBytes, Options = FileOptions.Asynchronous };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using var file = new FileStream(path, create);
        var header = new byte[PcmWav.HeaderBytes];
        await file.WriteAsync(header, cancellationToken);

        var declared = await SkipToAudioAsync(twilioWav, cancellationToken);
        var buffer = new byte[64 * 1024];
        var held = 0;
        long written = 0;
        while (declared is null || written < declared)
        {
            var read = await twilioWav.ReadAsync(buffer.AsMemory(held), cancellationToken);
            if (read == 0)
            {
                break;
            }

            held += read;
            var whole = held / BytesPerFrame * BytesPerFrame;
            if (declared is { } limit)
            {
                whole = (int)Math.Min(whole, (limit - written) / BytesPerFrame * BytesPerFrame);
            }

            SwapChannels(buffer.AsSpan(0, whole));
            await file.WriteAsync(buffer.AsMemory(0, whole), cancellationToken);
            written += whole;
            buffer.AsSpan(whole, held - whole).CopyTo(buffer);
            held -= whole;
            if (declared is { } end && end - written < BytesPerFrame)
            {
                break;
            }
        }

        PcmWav.WriteHeader(header, StereoWavWriter.SampleRate, StereoWavWriter.Channels, written);
        file.Position = 0;
        await file.WriteAsync(header, cancellationToken);
        await file.FlushAsync(cancellationToken);
        file.Flush(flushToDisk: true);
        return written;
    }

    /// <summary>Reads the RIFF header and chunks up to the audio; returns the data chunk's size (null: not stated).</summary>
    private static async Task<long?> SkipToAudioAsync(Stream wav, CancellationToken cancellationToken)
    {
        var riff = new byte[12];
        if (!await ReadExactlyOrEndAsync(wav, riff, cancellationToken) || Encoding.ASCII.GetString(riff, 0, 4) != "RIFF" || Encoding.ASCII.GetString(riff, 8, 4) != "WAVE")
        {
            throw new UnsupportedRecordingException("the recording is not a RIFF/WAVE file");
        }

        var chunk = new byte[8];
        var sawFormat = false;
        while (await ReadExactlyOrEndAsync(wav, chunk, cancellationToken))
        {
            var id = Encoding.ASCII.GetString(chunk, 0, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(chunk.AsSpan(4));
            if (id == "data")
            {
                if (!sawFormat)
                {
                    throw new UnsupportedRecordingException("the recording has audio but no format chunk before it");
                }

                return size is 0 or uint.MaxValue ? null : size;
            }

            if (size > 1 << 20)
            {
                throw new UnsupportedRecordingException($"the recording's '{id}' chunk is {size} bytes, too large for a header");
            }

            var body = new byte[size + (size & 1)];
            if (!await ReadExactlyOrEndAsync(wav, body, cancellationToken))
            {
                break;
            }

            if (id == "fmt ")
            {
                CheckFormat(body);
                sawFormat = true;
            }
        }

        throw new UnsupportedRecordingException("the recording ends before its audio");
    }

    private static void CheckFormat(ReadOnlySpan<byte> format)
    {
        if (format.Length < 16)
        {
            throw new UnsupportedRecordingException("the recording's format chunk is too short");
        }

        var (encoding, channels, rate, bits) = (BinaryPrimitives.ReadUInt16LittleEndian(format), BinaryPrimitives.ReadUInt16LittleEndian(format[2..]),
            BinaryPrimitives.ReadInt32LittleEndian(format[4..]), BinaryPrimitives.ReadUInt16LittleEndian(format[14..]));
        if (encoding != 1 || channels != StereoWavWriter.Channels || rate != StereoWavWriter.SampleRate || bits != 16)
        {
            throw new UnsupportedRecordingException(
                $"the recording is format {encoding}, {channels} channel(s), {rate} Hz, {bits}-bit; two channels of 8000 Hz 16-bit PCM were asked for");
        }
    }

    private static void SwapChannels(Span<byte> frames)
    {
        for (var i = 0; i < frames.Length; i += BytesPerFrame)
        {
            (frames[i], frames[i + 2]) = (frames[i + 2], frames[i]);
            (frames[i + 1], frames[i + 3]) = (frames[i + 3], frames[i + 1]);
        }
    }

    private static async Task<bool> ReadExactlyOrEndAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken) =>
        await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken) == buffer.Length;
}
