using System.Net;
using Cualify.Appliance.Dialer.Sip.Messages;

namespace Cualify.Appliance.Dialer.Sip.Transactions;

/// <summary>
/// The INVITE server transaction (RFC 3261 §17.2.1, RFC 6026), used for re-INVITEs and INVITEs we refuse. A 3xx–6xx
/// is retransmitted by timer G until its ACK (timer H gives up); a 2xx is retransmitted from T1 up to T2 until the
/// ACK for it arrives (RFC 3261 §13.3.1.4), for at most 64×T1.
/// </summary>
public sealed class ServerInviteTransaction : ServerTransaction
{
    private readonly SipTimer _retransmit;
    private readonly SipTimer _giveUp;
    private TimeSpan _interval;

    internal ServerInviteTransaction(SipTransactionLayer layer, SipRequest request, IPEndPoint remote, string key)
        : base(layer, request, remote, key)
    {
        State = TransactionState.Proceeding;
        _retransmit = NewTimer(OnRetransmitTimer);
        _giveUp = NewTimer(() =>
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
            if (State != TransactionState.Proceeding)
            {
                return;
            }

            bytes = response.ToBytes();
            LastResponse = bytes;
            if (response.IsFinal)
            {
                State = response.IsSuccess ? TransactionState.Accepted : TransactionState.Completed;
                _interval = Timers.T1;
                if (!Reliable)
                {
                    _retransmit.Start(_interval);
                }

                _giveUp.Start(Timers.Timeout);
            }
        }

        Send(bytes);
    }

    /// <summary>The ACK arrived (for a 3xx–6xx by branch, for a 2xx by Call-ID and CSeq): stop retransmitting.</summary>
    internal override void OnAck()
    {
        lock (Gate)
        {
            if (State == TransactionState.Completed)
            {
                State = TransactionState.Confirmed;
                _retransmit.Stop();
                _giveUp.Start(Reliable ? TimeSpan.Zero : Timers.K);
            }
            else if (State == TransactionState.Accepted)
            {
                TerminateLocked();
            }
        }
    }

    private void OnRetransmitTimer()
    {
        byte[]? resend;
        lock (Gate)
        {
            if (State is not (TransactionState.Completed or TransactionState.Accepted))
            {
                return;
            }

            _interval = TimeSpan.FromTicks(Math.Min(_interval.Ticks * 2, Timers.T2.Ticks));
            _retransmit.Start(_interval);
            resend = LastResponse;
        }

        if (resend is not null)
        {
            Retransmissions.ResponseSent();
        }

        Send(resend);
    }
}
