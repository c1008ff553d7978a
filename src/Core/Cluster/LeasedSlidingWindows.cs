using Cualify.Appliance.Core.RateLimits;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Core.Cluster;

/// <summary>
/// The shared sliding windows (<see cref="SharedSlidingWindow"/>) as this node admits from them: per window it
/// leases a block of the allowance, admits from memory until the block is used or the second it was leased in
/// ends, and hands back the rest with its next lease of that window or, if none comes, half a second after that
/// second. Requests waiting on one window share one lease in flight, so the store sees a round trip per block, not
/// per request. What a response reports as remaining is what the store had left at this node's last lease plus
/// this node's unused block: other nodes' unused blocks count as used until they hand them back.
/// </summary>
public sealed class LeasedSlidingWindows : IAsyncDisposable
{
    /// <summary>How long after its second ends an unused block waits for this node's next lease before it is handed back alone.</summary>
    public static readonly TimeSpan ReturnDelay = TimeSpan.FromMilliseconds(500);

    private readonly SharedSlidingWindow _store;
    private readonly TimeProvider _time;
    private readonly ILogger<LeasedSlidingWindows> _logger;
    private readonly Dictionary<string, Block> _blocks = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly ITimer _returnTimer;
    private DateTimeOffset? _returnDue;

    public LeasedSlidingWindows(SharedSlidingWindow store, TimeProvider time, ILogger<LeasedSlidingWindows> logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _returnTimer = time.CreateTimer(_ => _ = ReturnExpiredAsync(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Admits one request against every window if each has room, and then counts it against all of them.</summary>
    public async ValueTask<RateDecision> AcquireAsync(IReadOnlyList<(string Name, int Limit)> windows, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Allocated only when a request cannot be admitted from memory at once.
            List<Task>? waits = null;
            List<BlockRequest>? leases = null;
            TaskCompletionSource? ours = null;
            lock (_gate)
            {
                var now = _time.GetUtcNow();
                var second = now.ToUnixTimeSeconds();
                var decisions = new RateDecision[windows.Count];
                List<RateDecision>? refusals = null;
                for (var i = 0; i < windows.Count; i++)
                {
                    var (name, limit) = windows[i];
                    var block = BlockOf(name);
                    if (block.InFlight is { } inFlight)
                    {
                        (waits ??= []).Add(inFlight);
                    }
                    else if (block.Second == second && block.Limit == limit && block.Unused > 0)
                    {
                        decisions[i] = RateDecision.OfWindow(limit, limit - block.StoreLeft - block.Unused, block.OldestLeavesAt, now);
                    }
                    else if (block.Second == second && block.Limit == limit && block.StoreHadNone)
                    {
                        (refusals ??= []).Add(RateDecision.OfWindow(limit, limit, block.OldestLeavesAt, now));
                    }
                    else
                    {
                        (leases ??= []).Add(new BlockRequest(name, limit, block.Second, block.Unused));
                    }
                }

                if (refusals is not null)
                {
                    return RateDecision.Combine(refusals);
                }

                if (waits is null && leases is null)
                {
                    foreach (var (name, _) in windows)
                    {
                        _blocks[name].Unused--;
                    }

                    return RateDecision.Combine(decisions);
                }

                if (leases is not null)
                {
                    ours = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    foreach (var lease in leases)
                    {
                        var block = _blocks[lease.Name];
                        block.Unused = 0; // handed back by this lease; if it fails, lost until it leaves the window (errs on refusing)
                        block.InFlight = ours.Task;
                    }
                }
            }

            if (ours is not null)
            {
                // Not the request's own cancellation: the lease serves every request waiting on these windows.
                await LeaseAsync(leases!, ours);
            }

            if (waits is not null)
            {
                await Task.WhenAll(waits).WaitAsync(cancellationToken);
            }
        }
    }

    private async Task LeaseAsync(List<BlockRequest> leases, TaskCompletionSource ours)
    {
        BlockGrant[]? grants = null;
        try
        {
            grants = await _store.LeaseAsync(leases, CancellationToken.None);
        }
        finally
        {
            lock (_gate)
            {
                foreach (var lease in leases)
                {
                    _blocks[lease.Name].InFlight = null;
                }

                foreach (var grant in grants ?? [])
                {
                    var block = _blocks[grant.Name];
                    (block.Second, block.Limit, block.Unused, block.StoreLeft, block.OldestLeavesAt) =
                        (grant.AtSecond, grant.Limit, grant.Granted, grant.LeftAfter, grant.OldestLeavesAt);
                    if (grant.Granted > 0)
                    {
                        ScheduleReturn(grant.AtSecond);
                    }
                }
            }

            // The others waiting on these windows look again, and lease themselves if this one failed.
            ours.SetResult();
        }
    }

    /// <summary>Hands back the unused blocks of seconds that have ended; run by the timer for windows no request leased again.</summary>
    private async Task ReturnExpiredAsync()
    {
        try
        {
            await ReturnAsync(_time.GetUtcNow().ToUnixTimeSeconds());
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Could not hand back unused API rate-limit blocks; other nodes miss them until they leave the window");
        }
    }

    private async Task ReturnAsync(long before)
    {
        var returns = new List<(string Name, long AtSecond, int Units)>();
        var ours = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _returnDue = null;
            foreach (var (name, block) in _blocks.ToList())
            {
                if (block.InFlight is not null)
                {
                    continue;
                }

                if (block.Unused > 0 && block.Second < before)
                {
                    returns.Add((name, block.Second, block.Unused));
                    block.Unused = 0;
                    block.InFlight = ours.Task;
                }
                else if (block.Unused > 0)
                {
                    ScheduleReturn(block.Second);
                }
                else if (block.Second < before - SharedSlidingWindow.WindowSeconds)
                {
                    _blocks.Remove(name); // idle for a window: nothing to remember
                }
            }
        }

        try
        {
            if (returns.Count > 0)
            {
                await _store.ReturnAsync(returns, CancellationToken.None);
            }
        }
        finally
        {
            lock (_gate)
            {
                foreach (var (name, _, _) in returns)
                {
                    _blocks[name].InFlight = null;
                }
            }

            ours.SetResult();
        }
    }

    /// <summary>Makes the timer run once the block of <paramref name="second"/> has had its chance to go back with a lease.</summary>
    private void ScheduleReturn(long second)
    {
        var due = DateTimeOffset.FromUnixTimeSeconds(second + 1) + ReturnDelay;
        if (_returnDue is { } pending && pending <= due)
        {
            return; // that run reschedules for what it finds still in use
        }

        _returnDue = due;
        _returnTimer.Change(TimeSpan.FromTicks(Math.Max(0, (due - _time.GetUtcNow()).Ticks)), Timeout.InfiniteTimeSpan);
    }

    private Block BlockOf(string name)
    {
        if (!_blocks.TryGetValue(name, out var block))
        {
            _blocks[name] = block = new Block();
        }

        return block;
    }

    /// <summary>On a clean stop the node hands back every block it holds, the current second's included.</summary>
    public async ValueTask DisposeAsync()
    {
        await _returnTimer.DisposeAsync();
        try
        {
            await ReturnAsync(long.MaxValue);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Could not hand back unused API rate-limit blocks on stopping");
        }
    }

    /// <summary>This node's lease of one window.</summary>
    private sealed class Block
    {
        /// <summary>The unix second the block is counted in at the store, and the only one it may be used in.</summary>
        public long Second = long.MinValue;

        public int Limit;

        public int Unused;

        public int StoreLeft;

        public DateTimeOffset OldestLeavesAt;

        /// <summary>A lease or a hand-back of this window under way; requests wait for it and look again.</summary>
        public Task? InFlight;

        public bool StoreHadNone => Unused == 0 && StoreLeft == 0;
    }
}
