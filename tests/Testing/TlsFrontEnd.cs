using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Cualify.Appliance.Testing;

/// <summary>
/// A TLS server made in the test in front of a TCP sipp (Debian's sipp has no TLS): it terminates TLS with the
/// given certificate and pipes the bytes both ways to <c>127.0.0.1:backendPort</c>. It counts handshakes that
/// succeeded and failed, and the application bytes the client sent.
/// </summary>
public sealed class TlsFrontEnd : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly X509Certificate2 _certificate;
    private readonly int _backendPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _sessions = [];
    private readonly Task _accepting;
    private long _bytesFromClient;
    private int _handshakes;
    private int _failedHandshakes;

    public TlsFrontEnd(X509Certificate2 certificate, int backendPort)
    {
        _certificate = certificate;
        _backendPort = backendPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public X509Certificate2 Certificate => _certificate;

    public int Handshakes => Volatile.Read(ref _handshakes);

    public int FailedHandshakes => Volatile.Read(ref _failedHandshakes);

    /// <summary>Decrypted bytes the client sent (SIP messages and keep-alives).</summary>
    public long BytesFromClient => Interlocked.Read(ref _bytesFromClient);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_sessions)
                {
                    _sessions.Add(ServeAsync(client));
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            await using var tls = new SslStream(client.GetStream());
            try
            {
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, _stop.Token);
                Interlocked.Increment(ref _handshakes);
            }
            catch (Exception exception) when (exception is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
            {
                Interlocked.Increment(ref _failedHandshakes);
                return;
            }

            using var backend = new TcpClient();
            try
            {
                await backend.ConnectAsync(IPAddress.Loopback, _backendPort, _stop.Token);
            }
            catch (SocketException)
            {
                return; // sipp has finished its calls and gone
            }

            await using var plain = backend.GetStream();
            using var either = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var up = PipeAsync(tls, plain, counted: true, either.Token);
            var down = PipeAsync(plain, tls, counted: false, either.Token);
            await Task.WhenAny(up, down);
            await either.CancelAsync();
        }
    }

    private async Task PipeAsync(Stream from, Stream to, bool counted, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (counted)
                {
                    Interlocked.Add(ref _bytesFromClient, read);
                }

                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] sessions;
        lock (_sessions)
        {
            sessions = [.. _sessions];
        }

        await Task.WhenAll(sessions);
        _certificate.Dispose();
        _stop.Dispose();
    }
}
