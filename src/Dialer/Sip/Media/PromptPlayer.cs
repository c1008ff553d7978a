using Cualify.Appliance.Core.Playbooks.Audio;
using Cualify.Appliance.Dialer.Sip.Sdp;

namespace Cualify.Appliance.Dialer.Sip.Media;

/// <summary>
/// Plays one prompt into an <see cref="RtpSession"/> as 20 ms G.711 frames (160 bytes, timestamp +160), paced by the
/// <see cref="MediaClock"/>, then keeps sending silence (so the peer's media timers stay quiet) until stopped.
/// <paramref name="onPromptFinished"/> runs once, on the clock's thread, when the last prompt frame has gone.
/// A late clock tick sends the frames that fell due since, up to <see cref="MaxCatchUpFrames"/> (200 ms, what a
/// receiver's jitter buffer absorbs); a longer stall skips frames and leaves a gap in the RTP timestamps instead.
/// <see cref="PlayNext"/> queues a further prompt (reported finished again); <see cref="ContinueWith"/> takes every
/// frame after the prompt from an <see cref="IFrameSource"/> (a voice agent) instead of silence.
/// <see cref="FramesLate"/> counts the frames that left more than <see cref="LateThreshold"/> after their due moment
/// (skipped ones included), the measure of pacing under load.
/// </summary>
public sealed class PromptPlayer(RtpSession session, AudioCodec codec, byte[] prompt, TimeProvider time, Action onPromptFinished, ISentAudioTap? tap = null)
    : IPacedStream
{
    public const int FrameBytes = 160;
    public const int MaxCatchUpFrames = 10;
    public static readonly TimeSpan LateThreshold = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan FrameInterval = TimeSpan.FromMilliseconds(20);

    private readonly byte[] _frame = new byte[FrameBytes];
    private readonly byte _silence = codec == AudioCodec.Pcma ? G711.AlawSilence : G711.UlawSilence;
    private long _startedAt = -1;
    private long _frames;
    private int _position;
    private bool _finishedReported;
    private volatile bool _stopped;
    private byte[]? _next;
    private volatile IFrameSource? _source;
    private bool _late;
    private long _lateFrames;

    public long FramesSent => Interlocked.Read(ref _frames);

    public long FramesLate => Interlocked.Read(ref _lateFrames);

    public void Stop() => _stopped = true;

    /// <summary>Plays <paramref name="followingPrompt"/> once the current prompt is done (at once when it is).</summary>
    public void PlayNext(byte[] followingPrompt) => Interlocked.Exchange(ref _next, followingPrompt);

    /// <summary>After the prompt, every frame comes from <paramref name="source"/>.</summary>
    public void ContinueWith(IFrameSource source) => _source = source;

    public bool Tick(long timestamp)
    {
        if (_stopped)
        {
            return false;
        }

        if (_startedAt < 0)
        {
            _startedAt = timestamp;
        }

        var due = (long)(time.GetElapsedTime(_startedAt, timestamp) / FrameInterval) + 1;
        if (due - _frames > MaxCatchUpFrames)
        {
            // The process stalled: send a few frames now and let the schedule slip rather than burst.
            var skipped = due - MaxCatchUpFrames - _frames;
            session.Skip((uint)(skipped * FrameBytes));
            tap?.Skipped((int)(skipped * FrameBytes));
            _source?.Skipped(skipped);
            _frames += skipped;
            Interlocked.Add(ref _lateFrames, skipped);
        }

        while (_frames < due)
        {
            // A frame sent while another is still due after it goes out a whole frame interval behind schedule.
            _late = due - _frames > 1;
            if (time.GetElapsedTime(_startedAt) - (_frames * FrameInterval) > LateThreshold)
            {
                Interlocked.Increment(ref _lateFrames);
            }

            SendFrame();
        }

        return true;
    }

    private void SendFrame()
    {
        if (_position >= prompt.Length && Interlocked.Exchange(ref _next, null) is { } next)
        {
            prompt = next;
            _position = 0;
            _finishedReported = false;
        }

        var remaining = prompt.Length - _position;
        var marker = _frames == 0;
        if (remaining > 0)
        {
            var take = Math.Min(FrameBytes, remaining);
            prompt.AsSpan(_position, take).CopyTo(_frame);
            _frame.AsSpan(take).Fill(_silence);
            _position += take;
        }
        else if (_source is { } source)
        {
            source.Fill(_frame, codec, _late);
        }
        else
        {
            _frame.AsSpan().Fill(_silence);
        }

        session.Send(_frame, codec.PayloadType, marker, FrameBytes);
        tap?.Sent(_frame, codec);
        Interlocked.Increment(ref _frames);
        if (!_finishedReported && _position >= prompt.Length)
        {
            _finishedReported = true;
            onPromptFinished();
        }
    }
}
