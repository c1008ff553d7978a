using Cualify.Appliance.Core.Playbooks.Audio;
using Cualify.Appliance.Dialer.Sip.Media;
using Cualify.Appliance.Dialer.Sip.Sdp;

namespace Cualify.Appliance.Dialer.Recording;

/// <summary>
/// Records one call: every 20 ms frame the appliance sends becomes channel 1 and is paired with the same length of
/// what the callee sent since (channel 2), so both channels follow the sending clock; where the callee's packets were
/// lost, channel 2 is silent. Received audio waits in a short buffer (at most <see cref="MaxBufferedSamples"/>, the
/// oldest dropped beyond), so a callee sending faster than us cannot grow memory. The recording starts when the
/// recorder is made (at the answer): the time until the first frame goes out is written as silence.
/// </summary>
public sealed class CallRecorder : ISentAudioTap, IDisposable
{
    public const int MaxBufferedSamples = StereoWavWriter.SampleRate;

    private readonly Lock _lock = new();
    private readonly StereoWavWriter _writer;
    private readonly short[] _received = new short[MaxBufferedSamples];
    private readonly short[] _sent = new short[PromptPlayer.FrameBytes];
    private readonly short[] _heard = new short[PromptPlayer.FrameBytes];
    private int _receivedStart;
    private int _receivedCount;
    private readonly TimeProvider _time;
    private readonly long _openedAt;
    private bool _started;
    private bool _finished;

    public CallRecorder(string path, TimeProvider time)
    {
        Path = path;
        _time = time;
        _writer = new StereoWavWriter(path);
        _openedAt = time.GetTimestamp();
    }

    public string Path { get; }

    /// <summary>What the callee sent, G.711 of either law (by RTP payload type 0 or 8); other payloads are not audio.</summary>
    public void Received(int payloadType, ReadOnlySpan<byte> payload)
    {
        if (payloadType != AudioCodec.Pcmu.PayloadType && payloadType != AudioCodec.Pcma.PayloadType)
        {
            return;
        }

        var alaw = payloadType == AudioCodec.Pcma.PayloadType;
        lock (_lock)
        {
            foreach (var sample in payload)
            {
                if (_receivedCount == _received.Length)
                {
                    _receivedStart = (_receivedStart + 1) % _received.Length;
                    _receivedCount--;
                }

                _received[(_receivedStart + _receivedCount) % _received.Length] = alaw ? G711.AlawToLinear(sample) : G711.UlawToLinear(sample);
                _receivedCount++;
            }
        }
    }

    public void Sent(ReadOnlySpan<byte> frame, AudioCodec codec)
    {
        var length = Math.Min(frame.Length, _sent.Length);
        for (var i = 0; i < length; i++)
        {
            _sent[i] = codec == AudioCodec.Pcma ? G711.AlawToLinear(frame[i]) : G711.UlawToLinear(frame[i]);
        }

        Write(_sent.AsSpan(0, length));
    }

    public void Skipped(int samples)
    {
        Array.Clear(_sent);
        while (samples > 0)
        {
            var length = Math.Min(samples, _sent.Length);
            Write(_sent.AsSpan(0, length));
            samples -= length;
        }
    }

    private void Write(ReadOnlySpan<short> sent)
    {
        lock (_lock)
        {
            if (_finished)
            {
                return;
            }

            if (!_started)
            {
                _started = true;
                WriteSilence((long)(_time.GetElapsedTime(_openedAt).TotalSeconds * StereoWavWriter.SampleRate));
            }

            WriteFrame(sent);
        }
    }

    /// <summary>One piece of channel 1 with as much of what the callee sent as is waiting (the rest silent). Under the lock.</summary>
    private void WriteFrame(ReadOnlySpan<short> sent)
    {
        var heard = _heard.AsSpan(0, sent.Length);
        heard.Clear();
        var take = Math.Min(sent.Length, _receivedCount);
        for (var i = 0; i < take; i++)
        {
            heard[i] = _received[(_receivedStart + i) % _received.Length];
        }

        _receivedStart = (_receivedStart + take) % _received.Length;
        _receivedCount -= take;
        _writer.Append(sent, heard);
    }

    private void WriteSilence(long samples)
    {
        Span<short> silence = stackalloc short[PromptPlayer.FrameBytes];
        silence.Clear();
        for (; samples > 0; samples -= silence.Length)
        {
            WriteFrame(silence[..(int)Math.Min(samples, silence.Length)]);
        }
    }

    /// <summary>Closes the file with a valid header, flushed to disk; later frames are not written. Returns its length.</summary>
    public TimeSpan Finish()
    {
        lock (_lock)
        {
            if (!_finished)
            {
                _finished = true;
                _writer.Finish();
                _writer.Dispose();
            }

            return _writer.Duration;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _finished = true;
            _writer.Dispose();
        }
    }
}
