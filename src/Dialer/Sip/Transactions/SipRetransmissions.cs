namespace Cualify.Appliance.Dialer.Sip.Transactions;

/// <summary>
/// Retransmissions the transaction layer saw, both ways (RFC 3261 §17): requests and responses it sent again because
/// no answer or ACK came in time (timers A, E, G and the 2xx timer, or a response repeated for a repeated request),
/// and requests and responses that arrived again and were absorbed. A rising count means loss or a slow peer.
/// </summary>
public sealed class SipRetransmissions
{
    private long _requestsSent;
    private long _responsesSent;
    private long _requestsReceived;
    private long _responsesReceived;

    public long RequestsSent => Interlocked.Read(ref _requestsSent);

    public long ResponsesSent => Interlocked.Read(ref _responsesSent);

    public long RequestsReceived => Interlocked.Read(ref _requestsReceived);

    public long ResponsesReceived => Interlocked.Read(ref _responsesReceived);

    internal void RequestSent() => Interlocked.Increment(ref _requestsSent);

    internal void ResponseSent() => Interlocked.Increment(ref _responsesSent);

    internal void RequestReceived() => Interlocked.Increment(ref _requestsReceived);

    internal void ResponseReceived() => Interlocked.Increment(ref _responsesReceived);
}
