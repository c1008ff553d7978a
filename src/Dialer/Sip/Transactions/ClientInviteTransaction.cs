using System.Net;
using Cualify.Appliance.Dialer.Sip.Messages;

namespace Cualify.Appliance.Dialer.Sip.Transactions;

/// <summary>
/// The INVITE client transaction (RFC 3261 §17.1.1 with RFC 6026's Accepted state). Timer A retransmits the INVITE
/// from T1, doubling, while Calling; timer B gives up after 64×T1 without any response; a 3xx–6xx is ACKed here
/// (same branch) and re-ACKed for every retransmission until timer D; every 2xx goes to the user, who ACKs it,
/// until timer M.
/// </summary>
public sealed class ClientInviteTransaction : ClientTransaction
{
    private readonly SipTimer _timerA;
    private readonly SipTimer _timerB;
    private readonly SipTimer _timerDm;
    private TimeSpan _intervalA;
    private byte[]? _ackBytes;
    private long _acceptedUntil;

    internal ClientInviteTransaction(SipTransactionLayer layer, SipRequest invite, IPEndPoint destination, IClientTransactionUser user)
        : base(layer, invite, destination, user)
    {
        _timerA = NewTimer(static transaction => ((ClientInviteTransaction)transaction).OnTimerA());
        _timerB = NewTimer(static transaction => ((ClientInviteTransaction)transaction).OnTimerB());
        _timerDm = NewTimer(static transaction => ((ClientInviteTransaction)transaction).OnTimerDorM());
    }

    internal override void Start()
    {
        lock (Gate)
        {
            State = TransactionState.Calling;
            _intervalA = Timers.T1;
            if (!Reliable)
            {
                _timerA.Start(_intervalA);
            }

            _timerB.Start(Timers.Timeout);
        }

        TrySend(RequestBytes);
    }

    internal override void OnResponse(SipResponse response)
    {
        var deliver = false;
        byte[]? resendAck = null;
        lock (Gate)
        {
            switch (State)
            {
                case TransactionState.Calling or TransactionState.Proceeding when response.IsProvisional:
                    State = TransactionState.Proceeding;
                    _timerA.Stop();
                    _timerB.Stop();
                    deliver = true;
                    break;
                case TransactionState.Calling or TransactionState.Proceeding when response.IsSuccess:
                    State = TransactionState.Accepted;
                    _timerA.Stop();
                    _timerB.Stop();
                    // Accepted lasts 64×T1 at thousands of calls a second: it keeps no copy of the INVITE it never resends.
                    LetGoOfRequest();
                    _timerDm.Start(Timers.Timeout);
                    _acceptedUntil = Layer.Time.GetTimestamp() + (long)(Timers.Timeout.TotalSeconds * Layer.Time.TimestampFrequency);
                    deliver = true;
                    break;
                case TransactionState.Calling or TransactionState.Proceeding:
                    State = TransactionState.Completed;
                    _timerA.Stop();
                    _timerB.Stop();
                    _ackBytes = BuildAck(response).ToBytes();
                    resendAck = _ackBytes;
                    LetGoOfRequest();
                    _timerDm.Start(Reliable ? TimeSpan.Zero : Timers.D);
                    deliver = true;
                    break;
                case TransactionState.Accepted when response.IsSuccess:
                    Retransmissions.ResponseReceived();
                    deliver = true;
                    break;
                case TransactionState.Completed when response.IsFinal && !response.IsSuccess:
                    Retransmissions.ResponseReceived();
                    resendAck = _ackBytes;
                    break;
            }
        }

        if (resendAck is not null && !TrySend(resendAck))
        {
            return;
        }

        if (deliver)
        {
            User.OnResponse(this, response);
        }
    }

    /// <summary>
    /// For a finished call: an Accepted transaction leaves what is left of it (ACKing its dialog's retransmitted 2xx
    /// until timer M) to the layer's <see cref="AcceptedInvites"/> and terminates. False, and nothing changes, in any
    /// other state.
    /// </summary>
    internal bool Retire(ReAck reAck)
    {
        lock (Gate)
        {
            if (State != TransactionState.Accepted)
            {
                return false;
            }

            // Into the table first: a 2xx arriving in between still finds the transaction.
            Layer.AcceptedInvites.Add(Key, reAck, _acceptedUntil);
            TerminateLocked();
        }

        return true;
    }

    /// <summary>The ACK for a non-2xx final response (RFC 3261 §17.1.1.3): same branch, the response's To.</summary>
    private SipRequest BuildAck(SipResponse response)
    {
        var ack = new SipRequest(SipMethods.Ack, Request.RequestUri);
        ack.Headers.Add(SipHeaderNames.Via, Request.Headers[SipHeaderNames.Via]!);
        ack.Headers.Add(SipHeaderNames.MaxForwards, "70");
        ack.Headers.Add(SipHeaderNames.From, Request.Headers[SipHeaderNames.From]!);
        ack.Headers.Add(SipHeaderNames.To, response.Headers[SipHeaderNames.To]!);
        ack.Headers.Add(SipHeaderNames.CallId, Request.CallId);
        ack.Headers.Add(SipHeaderNames.CSeq, new CSeq(Request.CSeq.Number, SipMethods.Ack).ToString());
        ack.Headers.CopyFrom(Request.Headers, SipHeaderNames.Route);
        return ack;
    }

    private void OnTimerA()
    {
        byte[] request;
        lock (Gate)
        {
            if (State != TransactionState.Calling)
            {
                return;
            }

            _intervalA *= 2;
            _timerA.Start(_intervalA);
            request = RequestBytes;
        }

        Retransmissions.RequestSent();

        TrySend(request);
    }

    private void OnTimerB()
    {
        lock (Gate)
        {
            if (State != TransactionState.Calling)
            {
                return;
            }

            TerminateLocked();
        }

        User.OnTimeout(this);
    }

    private void OnTimerDorM()
    {
        lock (Gate)
        {
            TerminateLocked();
        }
    }
}
