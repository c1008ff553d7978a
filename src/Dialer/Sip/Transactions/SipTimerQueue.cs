using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Sip.Transactions;

/// <summary>
/// Every SIP timer of the stack (transactions' A–M, the calls' ring, guard and media-watch timers) on one
/// <see cref="TimeProvider"/> timer armed for the earliest due entry. Thousands of calls per second each start and
/// stop several timers: one <see cref="ITimer"/> each cost an allocation, the runtime timer queue's lock and its walk
/// over every live timer (the 32 s timers B, D, M included) on each tick. Here a start is one heap insert; a stop only
/// cancels the start's ticket and its stale entry is dropped when it comes due. Callbacks run outside the lock, in
/// due order, on the thread the timer fires on; one that throws is logged and the rest still run.
/// </summary>
public sealed class SipTimerQueue : IDisposable
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly PriorityQueue<SipTimerTicket, (long Due, long Order)> _entries = new();
    private readonly Lock _gate = new();
    private long _order;
    private long _armedFor = long.MaxValue;
    private bool _disposed;

    public SipTimerQueue(TimeProvider time, ILogger logger)
    {
        _time = time;
        _logger = logger;
        _timer = time.CreateTimer(static state => ((SipTimerQueue)state!).OnTick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Entries waiting, stale ones included (tests and metrics).</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    internal void Schedule(SipTimerTicket ticket, TimeSpan due)
    {
        var now = _time.GetTimestamp();
        var dueAt = now + (long)(Math.Max(0, due.Ticks) * (_time.TimestampFrequency / (double)TimeSpan.TicksPerSecond));
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _entries.Enqueue(ticket, (dueAt, _order++));
            if (dueAt < _armedFor)
            {
                ArmLocked(dueAt, now);
            }
        }
    }

    private void OnTick()
    {
        List<SipTimerTicket>? due = null;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _armedFor = long.MaxValue;
            var now = _time.GetTimestamp();
            while (_entries.TryPeek(out var ticket, out var key) && key.Due <= now)
            {
                _entries.Dequeue();
                if (ticket.Timer is not null)
                {
                    (due ??= []).Add(ticket);
                }
            }

            if (_entries.TryPeek(out _, out var next))
            {
                ArmLocked(next.Due, now);
            }
        }

        if (due is null)
        {
            return;
        }

        foreach (var ticket in due)
        {
            // A stop (or a new start) since the entry was taken out wins, as far as it can.
            if (ticket.Timer is not { } timer)
            {
                continue;
            }

            try
            {
                timer.Fire();
            }
            catch (Exception exception)
            {
                _logger.LogError(exception, "A SIP timer failed");
            }
        }
    }

    /// <summary>Arms the one timer for <paramref name="dueAt"/>, rounded up to whole milliseconds (the system timer truncates).</summary>
    private void ArmLocked(long dueAt, long now)
    {
        _armedFor = dueAt;
        var ticks = (long)(Math.Max(0, dueAt - now) * (TimeSpan.TicksPerSecond / (double)_time.TimestampFrequency));
        var wholeMs = (ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
        _timer.Change(TimeSpan.FromMilliseconds(wholeMs), Timeout.InfiniteTimeSpan);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _entries.Clear();
        }

        _timer.Dispose();
    }
}
