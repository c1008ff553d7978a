using System.Net;
using System.Net.Sockets;

namespace Cualify.Appliance.Dialer.Sip.Transport;

/// <summary>
/// One TCP or TLS connection carrying SIP: writes under a lock (a stream takes one writer at a time), a read loop
/// on a thread of its own (like the UDP socket's) that frames messages and answers keep-alive pings, and the time
/// of the last bytes received, which the keep-alive watch reads.
/// </summary>
public sealed class SipStreamConnection : IDisposable
{
    private static readonly byte[] Pong = "\r\n"u8.ToArray();
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly TimeProvider _time;
    private readonly object _writeGate = new();
    private long _lastReceived;
    private int _closed;

    public SipStreamConnection(Socket socket, Stream stream, IPEndPoint remote, TimeProvider time)
    {
        _socket = socket;
        _stream = stream;
        _time = time;
        Remote = remote;
        _lastReceived = time.GetTimestamp();
        Local = (IPEndPoint)socket.LocalEndPoint!;
    }

    public IPEndPoint Remote { get; }

    public IPEndPoint Local { get; }

    public bool IsOpen => Volatile.Read(ref _closed) == 0;

    /// <summary>How long nothing has arrived on this connection.</summary>
    public TimeSpan Silence => _time.GetElapsedTime(Interlocked.Read(ref _lastReceived));

    /// <summary>When set, a ping we sent is waiting for its pong.</summary>
    internal long? PingSentAt { get; set; }

    /// <summary>Writes one message (or keep-alive); a broken connection closes it and throws <see cref="SipTransportException"/>.</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        try
        {
            lock (_writeGate)
            {
                _stream.Write(bytes);
            }
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException)
        {
            Dispose();
            throw new SipTransportException($"The connection to {Remote} broke: {exception.Message}", exception);
        }
    }

    /// <summary>Reads until the peer closes, the stream breaks or its framing does; then the connection is closed.</summary>
    public Task RunReadsAsync(DatagramHandler onMessage, Action<SipStreamConnection, Exception?> onClosed) =>
        Task.Factory.StartNew(() => Read(onMessage, onClosed), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Read(DatagramHandler onMessage, Action<SipStreamConnection, Exception?> onClosed)
    {
        var framer = new SipStreamFramer();
        Exception? failure = null;
        try
        {
            while (IsOpen)
            {
                var room = framer.WritableMemory();
                var read = _stream.Read(room.Span);
                if (read == 0)
                {
                    break;
                }

                Interlocked.Exchange(ref _lastReceived, _time.GetTimestamp());
                PingSentAt = null;
                framer.Advance(read);
                while (framer.TryTake(out var message) is var frame && frame != SipStreamFrame.None)
                {
                    if (frame == SipStreamFrame.Message)
                    {
                        onMessage(message, Remote);
                    }
                    else if (frame == SipStreamFrame.Ping)
                    {
                        Write(Pong);
                    }
                }
            }
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException or SipStreamFramingException or SipTransportException)
        {
            failure = IsOpen ? exception : null;
        }
        finally
        {
            Dispose();
            onClosed(this, failure);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _stream.Dispose();
        _socket.Dispose();
    }
}
