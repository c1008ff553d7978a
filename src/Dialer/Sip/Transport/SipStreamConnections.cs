using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Sip.Transport;

/// <summary>
/// The connections of a stream transport (TCP, or TLS when a <see cref="SipTlsPolicy"/> is given), one per remote
/// address and reused by every call (RFC 5923-style). A send with no open connection connects first (holding up
/// the other sends to that address only); a failed
/// connect holds the next attempt back (1 s doubling to 1 min). The watch loop pings idle connections with a double
/// CRLF (RFC 5626 §3.5.1), closes one whose pong does not come, and reconnects the trunk with the same backoff.
/// </summary>
public sealed class SipStreamConnections : IAsyncDisposable
{
    private static readonly byte[] Ping = "\r\n\r\n"u8.ToArray();
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LastBackoff = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<IPEndPoint, SipStreamConnection> _open = new();
    private readonly ConcurrentDictionary<IPEndPoint, Backoff> _backoffs = new();
    private readonly ConcurrentDictionary<IPEndPoint, object> _connectGates = new();
    private readonly IPAddress _localAddress;
    private readonly SipTlsPolicy? _tls;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private DatagramHandler? _onMessage;
    private TcpListener? _listener;

    public SipStreamConnections(IPAddress localAddress, SipTlsPolicy? tls, TimeProvider time, ILogger logger)
    {
        _localAddress = localAddress;
        _tls = tls;
        _time = time;
        _logger = logger;
    }

    /// <summary>The Via transport token: <c>TCP</c> or <c>TLS</c>.</summary>
    public string Protocol => _tls is null ? "TCP" : "TLS";

    /// <summary>Where the watch loop keeps a connection open (the trunk or the outbound proxy); null: none.</summary>
    public IPEndPoint? Persistent { get; set; }

    /// <summary>An idle connection is pinged after this long; unanswered for <see cref="PongTimeout"/>, it is closed.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan PongTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public SipStreamCounters Counters { get; } = new();

    public int OpenCount => _open.Count;

    /// <summary>The open connection to <paramref name="remote"/>, if any.</summary>
    public SipStreamConnection? Find(IPEndPoint remote) => _open.TryGetValue(remote, out var open) && open.IsOpen ? open : null;

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="remote"/>, connecting first when needed. Throws <see cref="SipTransportException"/>.</summary>
    public void Send(ReadOnlySpan<byte> bytes, IPEndPoint remote) => Connection(remote).Write(bytes);

    /// <summary>The open connection to <paramref name="remote"/>, made now when there is none (blocking up to the connect timeout).</summary>
    public SipStreamConnection Connection(IPEndPoint remote)
    {
        if (Find(remote) is { } open)
        {
            return open;
        }

        // One connect at a time per remote, so a peer that does not answer holds up only the sends to it.
        lock (_connectGates.GetOrAdd(remote, _ => new object()))
        {
            if (Find(remote) is { } raced)
            {
                return raced;
            }

            if (_backoffs.TryGetValue(remote, out var backoff) && _time.GetUtcNow() < backoff.NextAttempt)
            {
                throw new SipTransportException($"The {Protocol} connection to {remote} is down ({backoff.Reason}); next attempt at {backoff.NextAttempt:HH:mm:ss}.", tlsFailed: backoff.TlsFailed);
            }

            try
            {
                var connection = Connect(remote);
                _backoffs.TryRemove(remote, out _);
                _open[remote] = connection;
                Counters.Connected();
                _ = connection.RunReadsAsync(Deliver, OnClosed);
                _logger.LogInformation("SIP {Protocol} connection to {Remote} open from {Local}", Protocol, remote, connection.Local);
                return connection;
            }
            catch (SipTransportException exception)
            {
                var wait = backoff is null ? FirstBackoff : TimeSpan.FromTicks(Math.Min(backoff.Wait.Ticks * 2, LastBackoff.Ticks));
                _backoffs[remote] = new Backoff(_time.GetUtcNow() + wait, wait, exception.Message, exception.TlsFailed);
                Counters.ConnectFailed(exception.TlsFailed);
                _logger.LogWarning("SIP {Protocol} connection to {Remote} failed: {Detail}; next attempt in {Wait}", Protocol, remote, exception.Message, wait);
                throw;
            }
        }
    }

    /// <summary>The address peers' own connections are accepted on, when <see cref="Listen"/> bound one.</summary>
    public IPEndPoint? ListeningOn => (IPEndPoint?)_listener?.LocalEndpoint;

    /// <summary>
    /// Accepts the peers' own connections on <paramref name="at"/> (RFC 3261 §18: the trunk may open one to send
    /// a request to our Contact): TCP, or TLS with the policy's server certificate. False (and logged) when the
    /// port is taken; calls still work over our own connections.
    /// </summary>
    public bool Listen(IPEndPoint at)
    {
        var listener = new TcpListener(at);
        try
        {
            listener.Start();
        }
        catch (SocketException exception)
        {
            _logger.LogWarning("SIP {Protocol} cannot listen on {Address}: {Error}; only connections we open carry SIP", Protocol, at, exception.SocketErrorCode);
            return false;
        }

        _listener = listener;
        return true;
    }

    /// <summary>Delivers messages from every connection to <paramref name="onMessage"/> and keeps connections alive until cancelled.</summary>
    public async Task RunAsync(DatagramHandler onMessage, CancellationToken cancellationToken)
    {
        _onMessage = onMessage;
        var accepting = _listener is { } listener ? AcceptAsync(listener, cancellationToken) : Task.CompletedTask;
        try
        {
            using var tick = new PeriodicTimer(TimeSpan.FromSeconds(1), _time);
            while (await tick.WaitForNextTickAsync(cancellationToken))
            {
                Watch();
            }
        }
        finally
        {
            _listener?.Stop();
            await accepting;
        }
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(cancellationToken);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            socket.NoDelay = true;
            _ = AdmitAsync(socket, cancellationToken);
        }
    }

    /// <summary>Takes an accepted connection into use, after its TLS handshake (off the accept loop, so a slow peer holds up no other).</summary>
    private async Task AdmitAsync(Socket socket, CancellationToken cancellationToken)
    {
        var remote = (IPEndPoint)socket.RemoteEndPoint!;
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        if (_tls?.ServerCertificate is not null)
        {
            var tls = new SslStream(stream, leaveInnerStreamOpen: false);
            stream = tls;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(ConnectTimeout);
                await tls.AuthenticateAsServerAsync(_tls.ServerOptions(), timeout.Token);
            }
            catch (Exception exception) when (exception is AuthenticationException or IOException or OperationCanceledException)
            {
                Counters.ConnectFailed(tls: true);
                _logger.LogWarning("SIP TLS connection from {Remote} refused: the handshake failed ({Detail})", remote, Describe(exception));
                await tls.DisposeAsync();
                socket.Dispose();
                return;
            }
        }

        var connection = new SipStreamConnection(socket, stream, remote, _time);
        _open[remote] = connection;
        Counters.CountAccepted();
        _ = connection.RunReadsAsync(Deliver, OnClosed);
    }

    /// <summary>One round of the watch: ping idle connections, close dead ones, reconnect the persistent one when due.</summary>
    internal void Watch()
    {
        foreach (var connection in _open.Values)
        {
            KeepAlive(connection);
        }

        if (Persistent is { } persistent && Find(persistent) is null &&
            (!_backoffs.TryGetValue(persistent, out var backoff) || _time.GetUtcNow() >= backoff.NextAttempt))
        {
            try
            {
                Connection(persistent);
            }
            catch (SipTransportException)
            {
                // Logged and backed off by Connection; the next round tries again.
            }
        }
    }

    private void KeepAlive(SipStreamConnection connection)
    {
        if (connection.PingSentAt is { } sent)
        {
            if (_time.GetElapsedTime(sent) >= PongTimeout)
            {
                _logger.LogWarning("SIP {Protocol} connection to {Remote} did not answer a keep-alive; closing it", Protocol, connection.Remote);
                Counters.KeepAliveTimedOut();
                connection.Dispose();
            }

            return;
        }

        if (connection.Silence < KeepAliveInterval)
        {
            return;
        }

        try
        {
            connection.PingSentAt = _time.GetTimestamp();
            connection.Write(Ping);
            Counters.PingSent();
        }
        catch (SipTransportException)
        {
            // The connection closed itself; OnClosed forgets it.
        }
    }

    private SipStreamConnection Connect(IPEndPoint remote)
    {
        var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (!_localAddress.Equals(IPAddress.Any) && !_localAddress.Equals(IPAddress.IPv6Any))
            {
                socket.Bind(new IPEndPoint(_localAddress, 0));
            }

            using (var timeout = new CancellationTokenSource(ConnectTimeout))
            {
                socket.ConnectAsync(remote, timeout.Token).AsTask().GetAwaiter().GetResult();
            }

            Stream stream = new NetworkStream(socket, ownsSocket: false);
            if (_tls is not null)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                using var timeout = new CancellationTokenSource(ConnectTimeout);
                tls.AuthenticateAsClientAsync(_tls.ClientOptions(), timeout.Token).GetAwaiter().GetResult();
            }

            return new SipStreamConnection(socket, stream, remote, _time);
        }
        catch (AuthenticationException exception)
        {
            socket.Dispose();
            throw new SipTransportException($"TLS with {remote} failed: {exception.Message}", exception, tlsFailed: true);
        }
        catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException)
        {
            socket.Dispose();
            throw new SipTransportException($"Connecting to {remote} failed: {Describe(exception)}", exception);
        }
    }

    private static string Describe(Exception exception) => exception switch
    {
        SocketException socket => socket.SocketErrorCode.ToString(),
        OperationCanceledException => "timed out",
        _ => exception.Message,
    };

    private void Deliver(ReadOnlySpan<byte> message, IPEndPoint remote) => _onMessage?.Invoke(message, remote);

    private void OnClosed(SipStreamConnection connection, Exception? failure)
    {
        _open.TryRemove(new(connection.Remote, connection));
        Counters.Closed();
        _logger.LogInformation("SIP {Protocol} connection to {Remote} closed{Detail}", Protocol, connection.Remote, failure is null ? "" : ": " + failure.Message);
    }

    public ValueTask DisposeAsync()
    {
        _listener?.Stop();
        foreach (var connection in _open.Values)
        {
            connection.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private sealed record Backoff(DateTimeOffset NextAttempt, TimeSpan Wait, string Reason, bool TlsFailed);
}
