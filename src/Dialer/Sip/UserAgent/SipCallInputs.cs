using Cualify.Appliance.Dialer.Sip.Messages;
using Cualify.Appliance.Dialer.Sip.Transactions;
using Cualify.Appliance.Dialer.Telephony;

namespace Cualify.Appliance.Dialer.Sip.UserAgent;

/// <summary>Everything that can happen to a call, handled one at a time by the call's own loop.</summary>
internal abstract record SipCallInput;

internal sealed record CallStart : SipCallInput;

/// <param name="Acked">For the first 2xx: the dialog and next hop its ACK already went to from the receive thread.</param>
internal sealed record ResponseReceived(ClientTransaction Transaction, SipResponse Response, AckedDialog? Acked = null) : SipCallInput;

/// <summary>A dialog whose 2xx is ACKed the moment it arrives, and that ACK.</summary>
internal sealed record AckedDialog(Dialogs.SipDialog Dialog, System.Net.IPEndPoint Hop, AckCache Ack)
{
    /// <summary>Held while the ACK is sent, so whoever comes second waits for that one send to finish.</summary>
    public Lock Gate { get; } = new();

    /// <summary>Set under <see cref="Gate"/> by whoever sends the ACK.</summary>
    public bool Sent { get; set; }
}

/// <summary>An ACK ready to (re)send and the remote tag of the 2xx it answers.</summary>
internal sealed record AckCache(byte[] Bytes, System.Net.IPEndPoint Destination, string RemoteTag);

/// <summary>Timer B/F fired, or the transport refused to send.</summary>
internal sealed record TransactionFailed(ClientTransaction Transaction, string Detail, bool TlsFailed = false) : SipCallInput;

internal sealed record RequestReceived(ServerTransaction Transaction) : SipCallInput;

/// <summary>A 2xx that arrived after its INVITE transaction was gone.</summary>
internal sealed record LateSuccess(SipResponse Response) : SipCallInput;

internal sealed record HangUpRequested(HangupReason Reason) : SipCallInput;

internal sealed record TransferRequested(string Target) : SipCallInput;

internal sealed record DigitReceived(char Digit) : SipCallInput;

internal sealed record PromptFinished : SipCallInput;

/// <summary>Neither RTP nor RTCP came from the callee for <c>Dialer:Sip:MediaTimeout</c>.</summary>
internal sealed record MediaTimedOut : SipCallInput;

/// <summary>The voice agent's socket is open: bridge it.</summary>
internal sealed record AgentReachable : SipCallInput;

/// <summary>The voice agent could not be reached in time.</summary>
internal sealed record AgentUnreachable(string Detail) : SipCallInput;

/// <summary>The voice agent's stream ended (it closed the socket, or it failed).</summary>
internal sealed record AgentGone(string Reason) : SipCallInput;

internal sealed record TimerFired(CallTimer Timer) : SipCallInput;

internal enum CallTimer
{
    /// <summary>The callee did not answer within the plan's ring timeout.</summary>
    Ring,

    /// <summary>64×T1 after our CANCEL and still no final response to the INVITE.</summary>
    CancelGuard,

    /// <summary>The prompt ended and no key came in time.</summary>
    DigitWait,

    /// <summary>The transfer was accepted but never reported finished.</summary>
    TransferGuard,
}
