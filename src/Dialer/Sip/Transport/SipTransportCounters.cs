namespace Cualify.Appliance.Dialer.Sip.Transport;

/// <summary>What went through the transport; read by metrics and by tests.</summary>
public sealed class SipTransportCounters
{
    private long _received;
    private long _malformed;
    private long _keepAlives;
    private long _handlerFailures;
    private long _sent;
    private long _sendFailures;

    public long Received => Interlocked.Read(ref _received);

    /// <summary>Datagrams that were not a well-formed SIP message: dropped.</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    public long KeepAlives => Interlocked.Read(ref _keepAlives);

    /// <summary>Messages whose handling above the transport threw; the loop caught it and kept serving.</summary>
    public long HandlerFailures => Interlocked.Read(ref _handlerFailures);

    public long Sent => Interlocked.Read(ref _sent);

    public long SendFailures => Interlocked.Read(ref _sendFailures);

    internal void CountReceived() => Interlocked.Increment(ref _received);

    internal void CountMalformed() => Interlocked.Increment(ref _malformed);

    internal void CountKeepAlive() => Interlocked.Increment(ref _keepAlives);

    internal void CountHandlerFailure() => Interlocked.Increment(ref _handlerFailures);

    internal void CountSent() => Interlocked.Increment(ref _sent);

    internal void CountSendFailure() => Interlocked.Increment(ref _sendFailures);
}
