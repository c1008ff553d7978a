namespace Cualify.Appliance.Dialer.AgentStreams;

/// <summary>
/// The small jitter buffer between a voice agent and the line: the agent's µ-law arrives in chunks of any size and at
/// any pace, and leaves as one 160-byte (20 ms) frame per media clock tick. A short tail (less than a frame) waits one
/// tick for more before it is played padded with silence. A mark sits at the position in the audio where it was
/// queued and is released once every byte before it has been taken for sending; <see cref="Clear"/> drops the queued
/// audio and releases every pending mark at once. Thread-safe: the agent's receive loop writes, the clock reads.
/// </summary>
public sealed class AgentAudioQueue(int capacityBytes = AgentAudioQueue.DefaultCapacityBytes)
{
    public const int FrameBytes = 160;

    /// <summary>Two minutes of audio: an agent may send a whole answer at once, but not without limit.</summary>
    public const int DefaultCapacityBytes = 8000 * 120;

    private readonly Lock _lock = new();
    private readonly Queue<byte[]> _chunks = new();
    private readonly Queue<(long Position, string Name)> _marks = new();
    private int _headOffset;
    private long _queuedBytes;
    private long _enqueued;
    private long _taken;
    private long _dropped;
    private bool _tailWaited;

    /// <summary>Bytes of agent audio waiting to be played.</summary>
    public long QueuedBytes
    {
        get
        {
            lock (_lock)
            {
                return _queuedBytes;
            }
        }
    }

    /// <summary>Bytes dropped because the agent sent more than <c>capacityBytes</c> ahead of the line.</summary>
    public long DroppedBytes => Interlocked.Read(ref _dropped);

    public void Enqueue(byte[] ulaw)
    {
        if (ulaw.Length == 0)
        {
            return;
        }

        lock (_lock)
        {
            var room = capacityBytes - _queuedBytes;
            if (room <= 0)
            {
                Interlocked.Add(ref _dropped, ulaw.Length);
                return;
            }

            var chunk = ulaw.Length <= room ? ulaw : ulaw[..(int)room];
            Interlocked.Add(ref _dropped, ulaw.Length - chunk.Length);
            _chunks.Enqueue(chunk);
            _queuedBytes += chunk.Length;
            _enqueued += chunk.Length;
            _tailWaited = false;
        }
    }

    /// <summary>Queues a mark after the audio queued so far; with nothing queued it is released on the next frame.</summary>
    public void Mark(string name)
    {
        lock (_lock)
        {
            _marks.Enqueue((_enqueued, name));
        }
    }

    /// <summary>Drops every queued byte; returns the names of the marks that were still pending, in order.</summary>
    public IReadOnlyList<string> Clear()
    {
        lock (_lock)
        {
            _chunks.Clear();
            _headOffset = 0;
            _queuedBytes = 0;
            _taken = _enqueued;
            var pending = _marks.Select(m => m.Name).ToList();
            _marks.Clear();
            return pending;
        }
    }

    /// <summary>
    /// Fills <paramref name="frame"/> (one frame, µ-law) with queued audio; returns how many bytes were audio (the
    /// rest is left for the caller to fill with silence). Marks now due are added to <paramref name="released"/>.
    /// </summary>
    public int Take(Span<byte> frame, List<string> released)
    {
        lock (_lock)
        {
            var take = 0;
            if (_queuedBytes >= frame.Length || (_queuedBytes > 0 && _tailWaited))
            {
                take = (int)Math.Min(frame.Length, _queuedBytes);
                Copy(frame[..take]);
                _tailWaited = false;
            }
            else if (_queuedBytes > 0)
            {
                _tailWaited = true;
            }

            while (_marks.Count > 0 && _marks.Peek().Position <= _taken)
            {
                released.Add(_marks.Dequeue().Name);
            }

            return take;
        }
    }

    private void Copy(Span<byte> target)
    {
        var written = 0;
        while (written < target.Length)
        {
            var head = _chunks.Peek();
            var length = Math.Min(head.Length - _headOffset, target.Length - written);
            head.AsSpan(_headOffset, length).CopyTo(target[written..]);
            written += length;
            _headOffset += length;
            if (_headOffset == head.Length)
            {
                _chunks.Dequeue();
                _headOffset = 0;
            }
        }

        _queuedBytes -= written;
        _taken += written;
    }
}
