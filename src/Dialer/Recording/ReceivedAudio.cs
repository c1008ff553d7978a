namespace Cualify.Appliance.Dialer.Recording;

/// <summary>
/// What the callee sent, decoded, waiting to be paired with our next frame: written by the call's one RTP receive
/// loop and read by the media clock, without a lock (one writer, one reader). At most <see cref="Capacity"/> samples
/// (about a second) wait; a callee sending faster than that has the excess dropped, so memory cannot grow.
/// </summary>
internal sealed class ReceivedAudio
{
    public const int Capacity = 8192;
    private const int Mask = Capacity - 1;

    private readonly short[] _samples = new short[Capacity];
    private long _written;
    private long _read;

    /// <summary>The receive loop's side: decodes <paramref name="payload"/> through <paramref name="law"/> (a 256-entry table).</summary>
    public void Add(ReadOnlySpan<byte> payload, short[] law)
    {
        var written = _written;
        var free = Capacity - (int)(written - Volatile.Read(ref _read));
        var count = Math.Min(free, payload.Length);
        for (var i = 0; i < count; i++)
        {
            _samples[(int)((written + i) & Mask)] = law[payload[i]];
        }

        Volatile.Write(ref _written, written + count);
    }

    /// <summary>The media clock's side: fills <paramref name="into"/> with what is waiting, the rest with silence.</summary>
    public void Take(Span<short> into)
    {
        var read = _read;
        var count = (int)Math.Min(Volatile.Read(ref _written) - read, into.Length);
        var start = (int)(read & Mask);
        var first = Math.Min(count, Capacity - start);
        _samples.AsSpan(start, first).CopyTo(into);
        _samples.AsSpan(0, count - first).CopyTo(into[first..]);
        into[count..].Clear();
        Volatile.Write(ref _read, read + count);
    }
}
