namespace Cualify.Appliance.Core.RateLimits;

/// <summary>The verdict on one request against one or more windows.</summary>
public readonly record struct RateDecision(bool Allowed, int Limit, int Remaining, DateTimeOffset Reset, TimeSpan RetryAfter)
{
    /// <summary>The wait as a <c>Retry-After</c> value: whole seconds, at least one.</summary>
    public int RetryAfterSeconds => Math.Max(1, (int)Math.Ceiling(RetryAfter.TotalSeconds));

    /// <summary>Whether <paramref name="candidate"/> says more about the request than <paramref name="current"/>: refused, or less left.</summary>
    public static bool Tighter(RateDecision candidate, RateDecision current) =>
        (!candidate.Allowed && current.Allowed) || (candidate.Allowed == current.Allowed && candidate.Remaining < current.Remaining);
}

/// <summary>
/// Exact sliding-window limits: each partition (an org, a key, a client address) remembers the times of its
/// requests in the last window. A request is admitted only if every partition it counts against has room,
/// and then counts against all of them.
/// </summary>
public sealed class SlidingWindowLimiter(TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly Dictionary<string, Queue<long>> _partitions = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _nextSweep;

    public RateDecision Acquire(params (string Partition, int Limit)[] windows)
    {
        var now = time.GetUtcNow();
        var nowTicks = now.UtcTicks;
        var windowStart = nowTicks - Window.Ticks;
        lock (_gate)
        {
            SweepIdle(nowTicks, windowStart);
            var tightest = default(RateDecision);
            var allowed = true;
            for (var i = 0; i < windows.Length; i++)
            {
                var (partition, limit) = windows[i];
                var log = Log(partition, windowStart);
                var full = log.Count >= limit;
                var oldest = log.Count > 0 ? log.Peek() : nowTicks;
                var reset = new DateTimeOffset(oldest + Window.Ticks, TimeSpan.Zero);
                var remaining = Math.Max(0, limit - log.Count - (full ? 0 : 1));
                var decision = new RateDecision(!full, limit, remaining, reset, full ? reset - now : TimeSpan.Zero);
                allowed &= !full;
                if (i == 0 || RateDecision.Tighter(decision, tightest))
                {
                    tightest = decision;
                }
            }

            if (!allowed)
            {
                return tightest with { Allowed = false, Remaining = 0 };
            }

            foreach (var (partition, _) in windows)
            {
                _partitions[partition].Enqueue(nowTicks);
            }

            return tightest;
        }
    }

    /// <summary>The verdict <see cref="Acquire"/> would give one window, without counting anything.</summary>
    public RateDecision Peek(string partition, int limit)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            var log = Log(partition, now.UtcTicks - Window.Ticks);
            var full = log.Count >= limit;
            var reset = new DateTimeOffset((log.Count > 0 ? log.Peek() : now.UtcTicks) + Window.Ticks, TimeSpan.Zero);
            return new RateDecision(!full, limit, Math.Max(0, limit - log.Count), reset, full ? reset - now : TimeSpan.Zero);
        }
    }

    private Queue<long> Log(string partition, long windowStart)
    {
        if (!_partitions.TryGetValue(partition, out var log))
        {
            _partitions[partition] = log = new Queue<long>();
        }

        while (log.Count > 0 && log.Peek() <= windowStart)
        {
            log.Dequeue();
        }

        return log;
    }

    /// <summary>Drops partitions with nothing in the window, so one-off client addresses do not pile up.</summary>
    private void SweepIdle(long nowTicks, long windowStart)
    {
        if (nowTicks < _nextSweep)
        {
            return;
        }

        _nextSweep = nowTicks + Window.Ticks;
        foreach (var (partition, log) in _partitions.ToList())
        {
            if (log.Count == 0 || log.Last() <= windowStart)
            {
                _partitions.Remove(partition);
            }
        }
    }
}
