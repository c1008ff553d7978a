using System.Net;
using Cualify.Appliance.Dialer.Sip.Messages;
using Cualify.Appliance.Dialer.Sip.Transport;

namespace Cualify.Appliance.Dialer.Sip.Transactions;

/// <summary>
/// A server transaction (RFC 3261 §17.2): the request that created it, where responses go, and absorption of
/// retransmitted requests. The user answers with <see cref="Respond"/>.
/// </summary>
public abstract class ServerTransaction : SipTransaction
{
    private protected ServerTransaction(SipTransactionLayer layer, SipRequest request, IPEndPoint remote, string key)
        : base(layer, key, TransactionState.Trying)
    {
        Request = request;
        Remote = remote;
        ResponseDestination = SipTransport.ResponseDestination(request, remote);
        Reliable = layer.Transport.IsStream(request.TopVia);
    }

    /// <summary>The request came over TCP or TLS: responses go back on its connection and are not retransmitted.</summary>
    public bool Reliable { get; }

    public SipRequest Request { get; }

    /// <summary>Where the request came from.</summary>
    public IPEndPoint Remote { get; }

    public IPEndPoint ResponseDestination { get; }

    private protected byte[]? LastResponse { get; set; }

    /// <summary>Sends <paramref name="response"/> (built with <see cref="SipResponses.For"/>) and moves the machine on.</summary>
    public abstract void Respond(SipResponse response);

    /// <summary>Convenience: a response with no body.</summary>
    public void Respond(int statusCode, string reason, string? toTag = null) => Respond(SipResponses.For(Request, statusCode, reason, toTag));

    /// <summary>The request came again: the last provisional or final response goes again (not a 2xx, which the core resends).</summary>
    internal void OnRetransmission()
    {
        byte[]? resend;
        lock (Gate)
        {
            resend = State is TransactionState.Proceeding or TransactionState.Completed ? LastResponse : null;
        }

        if (resend is not null)
        {
            Retransmissions.ResponseSent();
        }

        Send(resend);
    }

    internal virtual void OnAck()
    {
    }

    private protected void Send(byte[]? bytes)
    {
        if (bytes is null)
        {
            return;
        }

        try
        {
            Layer.Transport.Send(bytes, ResponseDestination, Reliable);
        }
        catch (SipTransportException)
        {
            // RFC 3261 §17.2.4: a transport failure ends the transaction; the peer will retransmit or give up.
            lock (Gate)
            {
                TerminateLocked();
            }
        }
    }

    private protected override void Forget() => Layer.Forget(this);
}

/// <summary>The non-INVITE server transaction (RFC 3261 §17.2.2): timer J keeps the final response for 64×T1.</summary>
public sealed class ServerNonInviteTransaction : ServerTransaction
{
    private readonly SipTimer _timerJ;

    internal ServerNonInviteTransaction(SipTransactionLayer layer, SipRequest request, IPEndPoint remote, string key)
        : base(layer, request, remote, key)
    {
        _timerJ = NewTimer(() =>
        {
            lock (Gate)
            {
                TerminateLocked();
            }
        });
    }

    public override void Respond(SipResponse response)
    {
        byte[] bytes;
        lock (Gate)
        {
            if (State is not (TransactionState.Trying or TransactionState.Proceeding))
            {
                return;
            }

            bytes = response.ToBytes();
            LastResponse = bytes;
            if (response.IsFinal)
            {
                State = TransactionState.Completed;
                _timerJ.Start(Reliable ? TimeSpan.Zero : Timers.Timeout);
            }
            else
            {
                State = TransactionState.Proceeding;
            }
        }

        Send(bytes);
    }
}
