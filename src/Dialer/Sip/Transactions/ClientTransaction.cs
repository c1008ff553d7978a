using System.Net;
using Cualify.Appliance.Dialer.Sip.Messages;
using Cualify.Appliance.Dialer.Sip.Transport;

namespace Cualify.Appliance.Dialer.Sip.Transactions;

/// <summary>
/// Common ground of the two client machines (RFC 3261 §17.1): the request, where it goes, its key (top Via branch
/// plus CSeq method, §17.1.3), sending, and termination. State changes happen under <see cref="Gate"/>; the user is
/// called outside it.
/// </summary>
public abstract class ClientTransaction
{
    private readonly SipTransactionLayer _layer;
    private readonly List<TransactionTimer> _timers = [];

    private protected ClientTransaction(SipTransactionLayer layer, SipRequest request, IPEndPoint destination, IClientTransactionUser user)
    {
        _layer = layer;
        Request = request;
        Destination = destination;
        User = user;
        Branch = request.TopVia?.Branch ?? throw new ArgumentException("A client request needs a Via with a branch.", nameof(request));
        Key = KeyOf(Branch, request.CSeq.Method);
        RequestBytes = request.ToBytes();
    }

    public SipRequest Request { get; }

    public IPEndPoint Destination { get; }

    public string Branch { get; }

    public TransactionState State { get; private protected set; }

    internal string Key { get; }

    private protected object Gate { get; } = new();

    private protected IClientTransactionUser User { get; }

    private protected byte[] RequestBytes { get; }

    private protected SipTimers Timers => _layer.Timers;

    private protected SipRetransmissions Retransmissions => _layer.Retransmissions;

    internal static string KeyOf(string branch, string method) => branch + "|" + method;

    internal abstract void Start();

    /// <summary>
    /// Gives the transaction up without a final response (RFC 3261 §9.1: an INVITE still unanswered 64×T1 after its
    /// CANCEL is considered destroyed). Nothing more reaches the user.
    /// </summary>
    public void Abandon()
    {
        lock (Gate)
        {
            TerminateLocked();
        }
    }

    internal abstract void OnResponse(SipResponse response);

    private protected TransactionTimer NewTimer(Action callback)
    {
        var timer = new TransactionTimer(_layer.Time, _layer.Logger, callback);
        _timers.Add(timer);
        return timer;
    }

    /// <summary>Sends bytes to the destination; false (after terminating and telling the user) when the transport refused.</summary>
    private protected bool TrySend(ReadOnlySpan<byte> bytes)
    {
        try
        {
            _layer.Transport.Send(bytes, Destination);
            return true;
        }
        catch (SipTransportException exception)
        {
            lock (Gate)
            {
                TerminateLocked();
            }

            User.OnTransportError(this, exception);
            return false;
        }
    }

    /// <summary>Moves to Terminated (once), stops every timer and forgets the transaction.</summary>
    private protected void TerminateLocked()
    {
        if (State == TransactionState.Terminated)
        {
            return;
        }

        State = TransactionState.Terminated;
        foreach (var timer in _timers)
        {
            timer.Dispose();
        }

        _layer.Forget(this);
    }
}
