using System.Diagnostics;
using Cualify.Appliance.Dialer.Sip.UserAgent;
using Cualify.Appliance.Dialer.Telephony;

namespace Cualify.Appliance.Bench.Sip;

/// <summary>What one bench call reported, with timestamps; plays the dialer by hanging up <see cref="Hold"/> after the answer.</summary>
public sealed class BenchProgress(TimeSpan hold, LoadStats stats) : ICallProgress
{
    private readonly TaskCompletionSource<CallEnd> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _answeredAt;
    private long _hangUpTarget;
    private ITimer? _hangUp;

    public TimeSpan Hold => hold;

    private readonly TaskCompletionSource<IProviderCall> _call = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Handed over once <c>StartAsync</c> returned; the answer can come before that.</summary>
    public void Started(IProviderCall call) => _call.TrySetResult(call);

    public Task<CallEnd> Ended => _ended.Task;

    public ValueTask RingingAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask AnsweredAsync(CancellationToken cancellationToken = default)
    {
        _answeredAt = Stopwatch.GetTimestamp();
        _hangUpTarget = _answeredAt + (long)(hold.TotalSeconds * Stopwatch.Frequency);
        stats.Answered();
        // The dialer's max-duration timer: one TimeProvider timer per call, like the dialer keeps.
        _hangUp = TimeProvider.System.CreateTimer(
            static state =>
            {
                var call = ((Task<IProviderCall>)state!);
                // Handed over long before the hold ends, as a rule: hang up right here rather than through another pool hop.
                if (call.IsCompletedSuccessfully)
                {
                    call.Result.HangUpAsync(HangupReason.MaxDurationReached, CancellationToken.None);
                }
                else
                {
                    _ = call.ContinueWith(t => t.Result.HangUpAsync(HangupReason.MaxDurationReached, CancellationToken.None), TaskScheduler.Default);
                }
            },
            _call.Task, hold, Timeout.InfiniteTimeSpan);
        return ValueTask.CompletedTask;
    }

    public ValueTask TimelineAsync(string type, IReadOnlyDictionary<string, object?>? data = null, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask DtmfAsync(char digit, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask EndedAsync(CallEnd end, CancellationToken cancellationToken = default)
    {
        var now = Stopwatch.GetTimestamp();
        _hangUp?.Dispose();
        // The player stopped before the end was reported. A call that ended before StartAsync returned sent nothing.
        if (_call.Task.IsCompletedSuccessfully && _call.Task.Result is SipCall sip)
        {
            stats.Paced(sip.PacedFrames);
        }

        if (_answeredAt != 0)
        {
            stats.Ended(end.EndReason == "max_duration_reached" ? (now - _hangUpTarget) * 1000.0 / Stopwatch.Frequency : null);
        }

        stats.Outcome(end);
        _ended.TrySetResult(end);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Counters shared by every call of one run.</summary>
public sealed class LoadStats
{
    private readonly List<double> _byeErrorsMs = [];
    private int _answered;
    private int _live;
    private int _peakLive;
    private long _framesSent;
    private long _framesLate;

    public long FramesSent => Interlocked.Read(ref _framesSent);

    public long FramesLate => Interlocked.Read(ref _framesLate);

    public void Paced((long Sent, long Late) frames)
    {
        Interlocked.Add(ref _framesSent, frames.Sent);
        Interlocked.Add(ref _framesLate, frames.Late);
    }

    private readonly Dictionary<string, int> _failures = [];
    private readonly TaskCompletionSource _allEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _ended;
    private int _completed;
    private int _expected = int.MaxValue;

    /// <summary>Calls ended as a bench call should (completed at its max duration).</summary>
    public int Completed => Volatile.Read(ref _completed);

    public int EndedCount => Volatile.Read(ref _ended);

    /// <summary>Every other end, by outcome/reason.</summary>
    public Dictionary<string, int> Failures()
    {
        lock (_failures)
        {
            return new(_failures);
        }
    }

    /// <summary>Completes once <paramref name="calls"/> calls have ended (counted as they end: the bench keeps no call's end).</summary>
    public Task AllEnded(int calls)
    {
        Volatile.Write(ref _expected, calls);
        if (EndedCount >= calls)
        {
            _allEnded.TrySetResult();
        }

        return _allEnded.Task;
    }

    public void Outcome(CallEnd end)
    {
        if (end is { Outcome: CallOutcome.Completed, EndReason: "max_duration_reached" })
        {
            Interlocked.Increment(ref _completed);
        }
        else
        {
            var key = $"{end.Outcome}/{end.EndReason}";
            lock (_failures)
            {
                _failures[key] = _failures.GetValueOrDefault(key) + 1;
            }
        }

        if (Interlocked.Increment(ref _ended) >= Volatile.Read(ref _expected))
        {
            _allEnded.TrySetResult();
        }
    }

    public int Peak => Volatile.Read(ref _peakLive);

    public int Live => Volatile.Read(ref _live);

    public int AnsweredCount => Volatile.Read(ref _answered);

    public void Answered()
    {
        Interlocked.Increment(ref _answered);
        var live = Interlocked.Increment(ref _live);
        int peak;
        while (live > (peak = Volatile.Read(ref _peakLive)) && Interlocked.CompareExchange(ref _peakLive, live, peak) != peak)
        {
        }
    }

    public void Ended(double? byeErrorMs)
    {
        Interlocked.Decrement(ref _live);
        if (byeErrorMs is { } error)
        {
            lock (_byeErrorsMs)
            {
                _byeErrorsMs.Add(error);
            }
        }
    }

    public double ByeErrorPercentile(double p)
    {
        lock (_byeErrorsMs)
        {
            if (_byeErrorsMs.Count == 0)
            {
                return double.NaN;
            }

            var sorted = _byeErrorsMs.Order().ToList();
            return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100 * sorted.Count) - 1)];
        }
    }

    public int ByeSamples
    {
        get
        {
            lock (_byeErrorsMs)
            {
                return _byeErrorsMs.Count;
            }
        }
    }
}
