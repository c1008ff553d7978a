using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Cualify.Appliance.Core.Playbooks.Audio;
using Cualify.Appliance.Dialer.Sip.Media;
using Cualify.Appliance.Dialer.Sip.Sdp;

namespace Cualify.Appliance.Dialer.Recording;

/// <summary>
/// Records one call: every 20 ms frame the appliance sends becomes channel 1 and is paired with the same length of
/// what the callee sent since (channel 2, from <see cref="ReceivedAudio"/>), so both channels follow the sending clock;
/// where the callee's packets were lost, channel 2 is silent. The media clock only decodes and interleaves into a
/// one-second chunk; each full chunk goes to the shared <see cref="RecordingWriter"/>, so a kill -9 loses at most the
/// last second. The recording starts when the recorder is made (at the answer): the time until the first frame goes
/// out is written as silence.
/// </summary>
public sealed class CallRecorder : ISentAudioTap, IDisposable
{
    private static readonly short[] Ulaw = Table(G711.UlawToLinear);
    private static readonly short[] Alaw = Table(G711.AlawToLinear);

    // Taken by the media clock and by Finish/Dispose only (never by the receive loop or for a write): it only keeps a
    // frame from being added while the call is being closed.
    private readonly Lock _lock = new();
    private readonly StereoWavWriter _file;
    private readonly RecordingWriter _writer;
    private readonly ReceivedAudio _received = new();
    private readonly short[] _heard = new short[PromptPlayer.FrameBytes];
    private readonly TimeProvider _time;
    private readonly long _openedAt;
    private byte[] _chunk;
    private int _chunkBytes;
    private long _handedBytes;
    private bool _started;
    private bool _finished;

    public CallRecorder(string path, RecordingWriter writer, TimeProvider time)
    {
        Path = path;
        _writer = writer;
        _time = time;
        _file = new StereoWavWriter(path);
        _chunk = writer.RentChunk();
        _openedAt = time.GetTimestamp();
    }

    public string Path { get; }

    /// <summary>What the callee sent, G.711 of either law (by RTP payload type 0 or 8); other payloads are not audio.</summary>
    public void Received(int payloadType, ReadOnlySpan<byte> payload)
    {
        if (payloadType == AudioCodec.Pcmu.PayloadType || payloadType == AudioCodec.Pcma.PayloadType)
        {
            _received.Add(payload, payloadType == AudioCodec.Pcma.PayloadType ? Alaw : Ulaw);
        }
    }

    public void Sent(ReadOnlySpan<byte> frame, AudioCodec codec)
    {
        lock (_lock)
        {
            if (StartOnce())
            {
                Append(frame, codec == AudioCodec.Pcma ? Alaw : Ulaw, frame.Length);
            }
        }
    }

    public void Skipped(int samples)
    {
        lock (_lock)
        {
            if (StartOnce())
            {
                Append([], null, samples);
            }
        }
    }

    /// <summary>
    /// Closes the file: the last chunk written, the real sizes in the header, flushed to disk; later frames are not
    /// written. Returns its length. Throws the first write error (the partial file is then left to start-up recovery).
    /// </summary>
    public async Task<TimeSpan> FinishAsync()
    {
        long total;
        lock (_lock)
        {
            if (_finished)
            {
                return StereoWavWriter.DurationOf(_handedBytes);
            }

            _finished = true;
            _writer.Write(_file, _chunk, _chunkBytes, _handedBytes, mustWrite: true);
            _handedBytes += _chunkBytes;
            _chunkBytes = 0;
            total = _handedBytes;
        }

        try
        {
            await _writer.WrittenAsync(_file);
            _file.Finish(total);
        }
        finally
        {
            _file.Dispose();
        }

        return StereoWavWriter.DurationOf(total);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _finished = true;
        }

        _file.Dispose();
    }

    /// <summary>Under the lock: false once finished; the first frame first writes the silence since the answer.</summary>
    private bool StartOnce()
    {
        if (_finished)
        {
            return false;
        }

        if (!_started)
        {
            _started = true;
            Append([], null, (long)(_time.GetElapsedTime(_openedAt).TotalSeconds * StereoWavWriter.SampleRate));
        }

        return true;
    }

    /// <summary>
    /// Channel 1 from <paramref name="sent"/> (G.711 codes through <paramref name="law"/>; silence when null), channel 2
    /// from what the callee sent meanwhile; a full chunk goes to the writer.
    /// </summary>
    private void Append(ReadOnlySpan<byte> sent, short[]? law, long samples)
    {
        while (samples > 0)
        {
            var room = (_chunk.Length - _chunkBytes) / StereoWavWriter.BytesPerFrame;
            var count = (int)Math.Min(Math.Min(samples, room), _heard.Length);
            var heard = _heard.AsSpan(0, count);
            _received.Take(heard);
            var into = _chunk.AsSpan(_chunkBytes, count * StereoWavWriter.BytesPerFrame);
            var frames = MemoryMarshal.Cast<byte, uint>(into);
            for (var i = 0; i < frames.Length; i++)
            {
                var pair = (law is null ? 0u : (ushort)law[sent[i]]) | ((uint)(ushort)heard[i] << 16);
                frames[i] = BitConverter.IsLittleEndian ? pair : BinaryPrimitives.ReverseEndianness(pair);
            }

            _chunkBytes += into.Length;
            samples -= count;
            if (law is not null)
            {
                sent = sent[count..];
            }

            if (_chunkBytes == _chunk.Length)
            {
                _writer.Write(_file, _chunk, _chunkBytes, _handedBytes);
                _handedBytes += _chunkBytes;
                _chunk = _writer.RentChunk();
                _chunkBytes = 0;
            }
        }
    }

    private static short[] Table(Func<byte, short> decode) => Enumerable.Range(0, 256).Select(code => decode((byte)code)).ToArray();
}
