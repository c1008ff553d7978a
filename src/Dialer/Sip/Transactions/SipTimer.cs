namespace Cualify.Appliance.Dialer.Sip.Transactions;

/// <summary>
/// A one-shot, re-armable timer on the stack's <see cref="SipTimerQueue"/> (no <see cref="ITimer"/> of its own).
/// Stopping after the callback has been picked up cannot take it back, as with any timer: callbacks check their state.
/// </summary>
internal sealed class SipTimer
{
    private readonly SipTimerQueue _queue;
    private readonly Action<object> _callback;
    private readonly object _state;
    private SipTimerTicket? _armed;

    public SipTimer(SipTimerQueue queue, Action callback)
        : this(queue, static state => ((Action)state)(), callback)
    {
    }

    /// <summary>A timer calling <paramref name="callback"/> with <paramref name="state"/>: a static callback allocates no delegate per timer.</summary>
    public SipTimer(SipTimerQueue queue, Action<object> callback, object state)
    {
        _queue = queue;
        _callback = callback;
        _state = state;
    }

    /// <summary>(Re)arms the timer <paramref name="due"/> from now, replacing any earlier start.</summary>
    public void Start(TimeSpan due)
    {
        var ticket = new SipTimerTicket(this);
        Interlocked.Exchange(ref _armed, ticket)?.Cancel();
        _queue.Schedule(ticket, due);
    }

    public void Stop() => Interlocked.Exchange(ref _armed, null)?.Cancel();

    internal void Fire() => _callback(_state);
}

/// <summary>
/// One start of a <see cref="SipTimer"/>, as the queue holds it. A stop or restart lets go of the timer, so an entry
/// left in the queue until its due moment (timer B's 32 s after every answered INVITE) keeps only this small object
/// alive, not the timer's transaction or call.
/// </summary>
internal sealed class SipTimerTicket(SipTimer timer)
{
    private volatile SipTimer? _timer = timer;

    /// <summary>The timer to fire, or null once it was stopped or started again.</summary>
    public SipTimer? Timer => _timer;

    public void Cancel() => _timer = null;
}
