namespace Cualify.Appliance.Core.RateLimits;

/// <summary>The verdict on one request against one or more windows.</summary>
public readonly record struct RateDecision(bool Allowed, int Limit, int Remaining, DateTimeOffset Reset, TimeSpan RetryAfter)
{
    /// <summary>The wait as a <c>Retry-After</c> value: whole seconds, at least one.</summary>
    public int RetryAfterSeconds => Math.Max(1, (int)Math.Ceiling(RetryAfter.TotalSeconds));

    /// <summary>One window's verdict on a request that finds <paramref name="counted"/> requests in it, the oldest leaving at <paramref name="oldestLeavesAt"/>.</summary>
    public static RateDecision OfWindow(int limit, int counted, DateTimeOffset oldestLeavesAt, DateTimeOffset now)
    {
        var full = counted >= limit;
        return new RateDecision(!full, limit, Math.Max(0, limit - counted - (full ? 0 : 1)), oldestLeavesAt, full ? oldestLeavesAt - now : TimeSpan.Zero);
    }

    /// <summary>The verdict on a request against several windows: the tightest one's figures, refused if any is full.</summary>
    public static RateDecision Combine(IReadOnlyList<RateDecision> windows)
    {
        var tightest = windows[0];
        foreach (var window in windows.Skip(1))
        {
            if ((!window.Allowed && tightest.Allowed) || (window.Allowed == tightest.Allowed && window.Remaining < tightest.Remaining))
            {
                tightest = window;
            }
        }

        return windows.All(w => w.Allowed) ? tightest : tightest with { Allowed = false, Remaining = 0 };
    }
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
            var decisions = new RateDecision[windows.Length];
            for (var i = 0; i < windows.Length; i++)
            {
                var (partition, limit) = windows[i];
                var log = Log(partition, windowStart);
                var oldest = log.Count > 0 ? log.Peek() : nowTicks;
                decisions[i] = RateDecision.OfWindow(limit, log.Count, new DateTimeOffset(oldest + Window.Ticks, TimeSpan.Zero), now);
            }

            var verdict = RateDecision.Combine(decisions);
            if (!verdict.Allowed)
            {
                return verdict;
            }

            foreach (var (partition, _) in windows)
            {
                _partitions[partition].Enqueue(nowTicks);
            }

            return verdict;
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
