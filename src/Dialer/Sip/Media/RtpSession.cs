using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Cualify.Appliance.Dialer.Sip.Media;

/// <summary>Handles one received RTP packet; the packet is only valid during the call.</summary>
public delegate void RtpPacketHandler(in RtpPacket packet, IPEndPoint from);

/// <summary>
/// One call's RTP endpoint: a socket on a pooled port, our SSRC, and the sequence number and timestamp of what we send
/// (both starting at random values, RFC 3550 §5.1). Sending happens on the media clock; receiving on its own loop.
/// </summary>
public sealed class RtpSession : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly RtpPortPool _pool;
    private readonly byte[] _sendBuffer = new byte[RtpPacket.HeaderLength + 512];
    private ushort _sequence;
    private uint _timestamp;
    private long _sent;
    private long _received;
    private int _disposed;

    public RtpSession(RtpPortPool pool)
    {
        _pool = pool;
        _socket = pool.Rent();
        LocalPort = ((IPEndPoint)_socket.LocalEndPoint!).Port;
        Ssrc = BitConverter.ToUInt32(RandomNumberGenerator.GetBytes(4));
        _sequence = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
        _timestamp = BitConverter.ToUInt32(RandomNumberGenerator.GetBytes(4));
    }

    public int LocalPort { get; }

    public uint Ssrc { get; }

    public IPEndPoint? Remote { get; set; }

    public long PacketsSent => Interlocked.Read(ref _sent);

    public long PacketsReceived => Interlocked.Read(ref _received);

    /// <summary>Sends one frame and advances sequence by one and timestamp by <paramref name="samples"/>. Not thread-safe: one sender.</summary>
    public void Send(ReadOnlySpan<byte> payload, int payloadType, bool marker, uint samples)
    {
        var remote = Remote;
        if (remote is not null && Volatile.Read(ref _disposed) == 0)
        {
            var length = new RtpPacket(marker, payloadType, _sequence, _timestamp, Ssrc, payload).WriteTo(_sendBuffer);
            try
            {
                _socket.SendTo(_sendBuffer.AsSpan(0, length), SocketFlags.None, remote);
                Interlocked.Increment(ref _sent);
            }
            catch (SocketException)
            {
                // A lost RTP packet is no error worth stopping for: the next frame goes out 20 ms later.
            }
        }

        _sequence++;
        _timestamp += samples;
    }

    /// <summary>Leaves a gap of <paramref name="samples"/> in the timestamps (frames the sender had to skip).</summary>
    public void Skip(uint samples) => _timestamp += samples;

    /// <summary>Receives until the session is disposed or <paramref name="cancellationToken"/> fires; garbage is skipped.</summary>
    public async Task ReceiveAsync(RtpPacketHandler onPacket, CancellationToken cancellationToken)
    {
        var buffer = new byte[2048];
        EndPoint any = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            SocketReceiveFromResult result;
            try
            {
                result = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException exception) when (exception.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            if (RtpPacket.TryParse(buffer.AsSpan(0, result.ReceivedBytes), out var packet))
            {
                Interlocked.Increment(ref _received);
                onPacket(packet, (IPEndPoint)result.RemoteEndPoint);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _socket.Dispose();
            _pool.Return(LocalPort);
        }

        return ValueTask.CompletedTask;
    }
}
