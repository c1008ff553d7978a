using System.Net;
using Cualify.Appliance.Dialer.Sip.Messages;

namespace Cualify.Appliance.Dialer.Sip.Transactions;

/// <summary>
/// The non-INVITE client transaction (RFC 3261 §17.1.2): timer E retransmits from T1, doubling up to T2 (at T2 once a
/// provisional arrived); timer F gives up after 64×T1; after a final response timer K absorbs retransmissions.
/// </summary>
public sealed class ClientNonInviteTransaction : ClientTransaction
{
    private readonly SipTimer _timerE;
    private readonly SipTimer _timerF;
    private readonly SipTimer _timerK;
    private TimeSpan _intervalE;

    internal ClientNonInviteTransaction(SipTransactionLayer layer, SipRequest request, IPEndPoint destination, IClientTransactionUser user)
        : base(layer, request, destination, user)
    {
        _timerE = NewTimer(static transaction => ((ClientNonInviteTransaction)transaction).OnTimerE());
        _timerF = NewTimer(static transaction => ((ClientNonInviteTransaction)transaction).OnTimerF());
        _timerK = NewTimer(static transaction => ((ClientNonInviteTransaction)transaction).OnTimerK());
    }

    internal override void Start()
    {
        lock (Gate)
        {
            State = TransactionState.Trying;
            _intervalE = Timers.T1;
            if (!Reliable)
            {
                _timerE.Start(_intervalE);
            }

            _timerF.Start(Timers.Timeout);
        }

        TrySend(RequestBytes);
    }

    internal override void OnResponse(SipResponse response)
    {
        lock (Gate)
        {
            if (State is not (TransactionState.Trying or TransactionState.Proceeding))
            {
                if (State == TransactionState.Completed && response.IsFinal)
                {
                    Retransmissions.ResponseReceived();
                }

                return;
            }

            if (response.IsProvisional)
            {
                State = TransactionState.Proceeding;
            }
            else
            {
                State = TransactionState.Completed;
                _timerE.Stop();
                _timerF.Stop();
                _timerK.Start(Reliable ? TimeSpan.Zero : Timers.K);
                LetGoOfRequest();
            }
        }

        User.OnResponse(this, response);
    }

    private void OnTimerE()
    {
        byte[] request;
        lock (Gate)
        {
            if (State is not (TransactionState.Trying or TransactionState.Proceeding))
            {
                return;
            }

            _intervalE = State == TransactionState.Proceeding ? Timers.T2 : TimeSpan.FromTicks(Math.Min(_intervalE.Ticks * 2, Timers.T2.Ticks));
            _timerE.Start(_intervalE);
            // Taken under the lock: a final response arriving now lets go of the bytes.
            request = RequestBytes;
        }

        Retransmissions.RequestSent();

        TrySend(request);
    }

    private void OnTimerF()
    {
        lock (Gate)
        {
            if (State is not (TransactionState.Trying or TransactionState.Proceeding))
            {
                return;
            }

            TerminateLocked();
        }

        User.OnTimeout(this);
    }

    private void OnTimerK()
    {
        lock (Gate)
        {
            TerminateLocked();
        }
    }
}
