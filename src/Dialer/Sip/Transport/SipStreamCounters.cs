namespace Cualify.Appliance.Dialer.Sip.Transport;

/// <summary>What happened to the stream (TCP/TLS) connections; read by metrics and by tests.</summary>
public sealed class SipStreamCounters
{
    private long _connects;
    private long _accepted;
    private long _connectFailures;
    private long _tlsFailures;
    private long _closes;
    private long _pings;
    private long _keepAliveTimeouts;

    public long Connects => Interlocked.Read(ref _connects);

    /// <summary>Connections the peers opened to us.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Connection attempts that failed, TLS refusals included.</summary>
    public long ConnectFailures => Interlocked.Read(ref _connectFailures);

    /// <summary>Handshakes refused because the trunk's certificate did not pass.</summary>
    public long TlsFailures => Interlocked.Read(ref _tlsFailures);

    public long Closes => Interlocked.Read(ref _closes);

    public long PingsSent => Interlocked.Read(ref _pings);

    public long KeepAliveTimeouts => Interlocked.Read(ref _keepAliveTimeouts);

    internal void Connected() => Interlocked.Increment(ref _connects);

    internal void CountAccepted() => Interlocked.Increment(ref _accepted);

    internal void ConnectFailed(bool tls)
    {
        Interlocked.Increment(ref _connectFailures);
        if (tls)
        {
            Interlocked.Increment(ref _tlsFailures);
        }
    }

    internal void Closed() => Interlocked.Increment(ref _closes);

    internal void PingSent() => Interlocked.Increment(ref _pings);

    internal void KeepAliveTimedOut() => Interlocked.Increment(ref _keepAliveTimeouts);
}
