using Cualify.Appliance.Core.Playbooks.Audio;

namespace Cualify.Appliance.Dialer.Recording;

/// <summary>
/// A two-channel 8 kHz 16-bit PCM WAV file written as the call goes: the header is written first with empty sizes,
/// interleaved audio is written at its offset (by the <see cref="RecordingWriter"/>'s thread, so a chunk that was
/// dropped leaves a hole, which reads back as silence), and <see cref="Finish"/> writes the real sizes and flushes to
/// disk. A file a crash left behind is made playable by <see cref="Repair"/>. The file is created readable by the
/// service user only.
/// </summary>
public sealed class StereoWavWriter : IDisposable
{
    public const int SampleRate = 8000;
    public const int Channels = 2;
    public const int BytesPerFrame = Channels * 2;
    public const int BytesPerSecond = SampleRate * BytesPerFrame;
    public const int BufferBytes = BytesPerSecond / 4;

    private readonly FileStream _file;

    public StereoWavWriter(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.Read, BufferSize = 0 };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        _file = new FileStream(path, options);
        Span<byte> header = stackalloc byte[PcmWav.HeaderBytes];
        PcmWav.WriteHeader(header, SampleRate, Channels, 0);
        RandomAccess.Write(_file.SafeFileHandle, header, 0);
    }

    /// <summary>Chunks handed to the writer's thread and not written yet (the writer bounds it per file).</summary>
    internal int Queued;

    /// <summary>The first write that failed (disk full…); later writes are not tried.</summary>
    internal Exception? Failure { get; set; }

    /// <summary>Writes interleaved frames (channel 1, channel 2, little-endian) at <paramref name="dataOffset"/> bytes into the audio.</summary>
    public void Write(ReadOnlySpan<byte> interleaved, long dataOffset) =>
        RandomAccess.Write(_file.SafeFileHandle, interleaved, PcmWav.HeaderBytes + dataOffset);

    /// <summary>Sets the file to exactly <paramref name="dataBytes"/> of audio, writes the final sizes into the header and flushes it all to the disk.</summary>
    public void Finish(long dataBytes)
    {
        _file.SetLength(PcmWav.HeaderBytes + dataBytes);
        Span<byte> header = stackalloc byte[PcmWav.HeaderBytes];
        PcmWav.WriteHeader(header, SampleRate, Channels, dataBytes);
        RandomAccess.Write(_file.SafeFileHandle, header, 0);
        _file.Flush(flushToDisk: true);
    }

    public void Dispose() => _file.Dispose();

    public static TimeSpan DurationOf(long dataBytes) => TimeSpan.FromSeconds((double)dataBytes / BytesPerSecond);

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
        return DurationOf(dataBytes);
    }
}
