using System.Net;
using Cualify.Appliance.Dialer.Sip.Messages;

namespace Cualify.Appliance.Dialer.Sip.Transactions;

/// <summary>Who started a client transaction and hears how it goes (a call, a registration, an OPTIONS probe).</summary>
public interface IClientTransactionUser
{
    /// <summary>A provisional or final response; for INVITE, every 2xx (retransmissions included) while Accepted.</summary>
    void OnResponse(ClientTransaction transaction, SipResponse response);

    /// <summary>Timer B or F fired: no final response in 64×T1.</summary>
    void OnTimeout(ClientTransaction transaction);

    void OnTransportError(ClientTransaction transaction, Exception error);
}

/// <summary>The layer above the transactions (the user agent core): new requests and what matched no transaction.</summary>
public interface ITransactionUser
{
    /// <summary>A new request (not ACK); answer it through <paramref name="transaction"/>.</summary>
    void OnRequest(ServerTransaction transaction);

    /// <summary>An ACK that matched no transaction: the ACK for a 2xx.</summary>
    void OnAck(SipRequest ack, IPEndPoint remote);

    /// <summary>A response that matched no client transaction (a late 2xx retransmission).</summary>
    void OnStrayResponse(SipResponse response, IPEndPoint remote);
}
