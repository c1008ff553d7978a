namespace Cualify.Appliance.Dialer.Sip.Transactions;

/// <summary>
/// A one-shot, re-armable timer on the stack's <see cref="SipTimerQueue"/> (no <see cref="ITimer"/> of its own).
/// Stopping after the callback has been picked up cannot take it back, as with any timer: callbacks check their state.
/// </summary>
internal sealed class SipTimer
{
    private readonly SipTimerQueue _queue;
    private readonly Action _callback;
    private int _generation;

    public SipTimer(SipTimerQueue queue, Action callback)
    {
        _queue = queue;
        _callback = callback;
    }

    /// <summary>Bumped by every start and stop, so an entry of an earlier start left in the queue is skipped.</summary>
    internal int Generation => Volatile.Read(ref _generation);

    /// <summary>(Re)arms the timer <paramref name="due"/> from now, replacing any earlier start.</summary>
    public void Start(TimeSpan due) => _queue.Schedule(this, Interlocked.Increment(ref _generation), due);

    public void Stop() => Interlocked.Increment(ref _generation);

    internal void Fire() => _callback();
}
