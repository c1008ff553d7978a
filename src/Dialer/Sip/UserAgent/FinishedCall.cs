using Cualify.Appliance.Dialer.Sip.Messages;
using Cualify.Appliance.Dialer.Sip.Transactions;
using Cualify.Appliance.Dialer.Sip.Transport;

namespace Cualify.Appliance.Dialer.Sip.UserAgent;

/// <summary>
/// What a call leaves with its transactions once its loop has finished: the INVITE's stays Accepted for 64×T1 (timer
/// M) and the BYE's completes later still, and with the call as their user each kept the whole call (media, dialog,
/// messages) alive that long — tens of thousands of calls at a few thousand calls a second. This stand-in keeps only
/// the ACK: a 2xx retransmission is ACKed again (RFC 3261 §13.2.2.4), as the finished call did; the rest is dropped,
/// as the finished call's closed inbox dropped it.
/// </summary>
internal sealed class FinishedCall(SipTransactionLayer transactions, AckCache? ack, uint inviteSequence) : IClientTransactionUser
{
    public void OnResponse(ClientTransaction transaction, SipResponse response)
    {
        if (ack is null || transaction is not ClientInviteTransaction || !response.IsSuccess ||
            response.To?.Tag != ack.RemoteTag || response.CSeq.Number != inviteSequence)
        {
            return;
        }

        try
        {
            transactions.SendAck(ack.Bytes, ack.Destination);
        }
        catch (SipTransportException)
        {
            // As before the hand-over: a lost ACK is sent again at the next retransmission.
        }
    }

    public void OnTimeout(ClientTransaction transaction)
    {
    }

    public void OnTransportError(ClientTransaction transaction, Exception error)
    {
    }
}
