using System.Buffers.Binary;
using Cualify.Appliance.Core.Playbooks.Audio;

namespace Cualify.Appliance.Dialer.Recording;

/// <summary>
/// A two-channel 8 kHz 16-bit PCM WAV written as the call goes: the header is written first with empty sizes,
/// frames are appended through a small buffer (the file is never held in memory; at most
/// <see cref="BufferBytes"/>, a quarter second, is not yet handed to the OS, which is what a kill -9 can cost), and <see cref="Finish"/> writes the
/// real sizes and flushes to disk. A file a crash left behind is made playable by <see cref="Repair"/>.
/// The file is created readable by the service user only.
/// </summary>
public sealed class StereoWavWriter : IDisposable
{
    public const int SampleRate = 8000;
    public const int Channels = 2;
    public const int BytesPerFrame = Channels * 2;
    public const int BufferBytes = SampleRate * BytesPerFrame / 4;

    private readonly FileStream _file;
    private readonly byte[] _interleaved = new byte[160 * BytesPerFrame];
    private long _dataBytes;

    public StereoWavWriter(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.Read, BufferSize = BufferBytes };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        _file = new FileStream(path, options);
        Span<byte> header = stackalloc byte[PcmWav.HeaderBytes];
        PcmWav.WriteHeader(header, SampleRate, Channels, 0);
        _file.Write(header);
    }

    public long DataBytes => _dataBytes;

    public TimeSpan Duration => TimeSpan.FromSeconds((double)_dataBytes / (SampleRate * BytesPerFrame));

    /// <summary>Appends samples of both channels, interleaved: channel 1 from <paramref name="first"/>, channel 2 from <paramref name="second"/>.</summary>
    public void Append(ReadOnlySpan<short> first, ReadOnlySpan<short> second)
    {
        while (!first.IsEmpty)
        {
            var count = Math.Min(first.Length, _interleaved.Length / BytesPerFrame);
            var bytes = _interleaved.AsSpan(0, count * BytesPerFrame);
            for (var i = 0; i < count; i++)
            {
                BinaryPrimitives.WriteInt16LittleEndian(bytes[(i * BytesPerFrame)..], first[i]);
                BinaryPrimitives.WriteInt16LittleEndian(bytes[((i * BytesPerFrame) + 2)..], i < second.Length ? second[i] : (short)0);
            }

            _file.Write(bytes);
            _dataBytes += bytes.Length;
            first = first[count..];
            second = second.Length > count ? second[count..] : [];
        }
    }

    /// <summary>Writes the final sizes into the header and flushes everything to the disk.</summary>
    public void Finish()
    {
        Span<byte> header = stackalloc byte[PcmWav.HeaderBytes];
        PcmWav.WriteHeader(header, SampleRate, Channels, _dataBytes);
        _file.Flush();
        _file.Position = 0;
        _file.Write(header);
        _file.Flush(flushToDisk: true);
    }

    public void Dispose() => _file.Dispose();

    /// <summary>
    /// Makes a WAV a crash left open playable: the sizes in its header are set to the whole frames on disk (a torn last
    /// frame is cut off). Returns the duration the file now holds.
    /// </summary>
    public static TimeSpan Repair(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        var dataBytes = Math.Max(0, file.Length - PcmWav.HeaderBytes) / BytesPerFrame * BytesPerFrame;
        file.SetLength(PcmWav.HeaderBytes + dataBytes);
        Span<byte> header = stackalloc byte[PcmWav.HeaderBytes];
        PcmWav.WriteHeader(header, SampleRate, Channels, dataBytes);
        file.Position = 0;
        file.Write(header);
        file.Flush(flushToDisk: true);
        return TimeSpan.FromSeconds((double)dataBytes / (SampleRate * BytesPerFrame));
    }
}
