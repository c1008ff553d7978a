namespace Cualify.Appliance.Dialer.Sip.Transactions;

/// <summary>
/// What every transaction machine of RFC 3261 §17 shares: its key, its state guarded by <see cref="Gate"/>, its
/// timers, and termination (once: every timer stopped, the layer forgets it).
/// </summary>
public abstract class SipTransaction
{
    private readonly List<SipTimer> _timers = new(3);

    private protected SipTransaction(SipTransactionLayer layer, string key, TransactionState initial)
    {
        Layer = layer;
        Key = key;
        State = initial;
    }

    public TransactionState State { get; private protected set; }

    internal string Key { get; }

    private protected SipTransactionLayer Layer { get; }

    private protected object Gate { get; } = new();

    private protected SipTimers Timers => Layer.Timers;

    private protected SipRetransmissions Retransmissions => Layer.Retransmissions;

    private protected SipTimer NewTimer(Action callback)
    {
        var timer = new SipTimer(Layer.TimerQueue, callback);
        _timers.Add(timer);
        return timer;
    }

    /// <summary>A timer calling <paramref name="callback"/> with this transaction (a static lambda: no delegate per transaction).</summary>
    private protected SipTimer NewTimer(Action<object> callback)
    {
        var timer = new SipTimer(Layer.TimerQueue, callback, this);
        _timers.Add(timer);
        return timer;
    }

    /// <summary>Moves to Terminated (once), stops every timer and has the layer forget the transaction.</summary>
    private protected void TerminateLocked()
    {
        if (State == TransactionState.Terminated)
        {
            return;
        }

        State = TransactionState.Terminated;
        foreach (var timer in _timers)
        {
            timer.Stop();
        }

        Forget();
    }

    private protected abstract void Forget();
}
