using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Cualify.Appliance.Dialer.Platform;
using Cualify.Appliance.Dialer.Sip.Media.Srtp;

namespace Cualify.Appliance.Dialer.Sip.Media;

/// <summary>Handles one received RTP packet; the packet is only valid during the call.</summary>
public delegate void RtpPacketHandler(in RtpPacket packet);

/// <summary>
/// One call's RTP endpoint: a socket on a pooled port, our SSRC, and the sequence number and timestamp of what we send
/// (both starting at random values, RFC 3550 §5.1). Sending happens on the media clock; receiving on its own loop
/// (on Linux the shared <see cref="RtpReceiveLoop"/>, and datagrams are sent straight on the descriptor, see
/// <see cref="LinuxUdp"/>).
/// </summary>
public sealed class RtpSession : IAsyncDisposable, IReceiveLoopSocket
{
    private readonly Socket _socket;
    private readonly RtpPortPool _pool;
    private readonly byte[] _sendBuffer = new byte[RtpPacket.HeaderLength + 512 + 16];
    private ushort _sequence;
    private uint _timestamp;
    private long _sent;
    private long _received;
    private int _disposed;
    private RtpPacketHandler? _onPacket;
    private SocketAsyncEventArgs? _receive;
    private long _loopKey;
    private IPEndPoint? _addressOf;
    private byte[] _remoteAddress = [];
    private readonly TaskCompletionSource _receiving = new(TaskCreationOptions.RunContinuationsAsynchronously);

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

    /// <summary>With SRTP: protects what we send. Set before the first packet.</summary>
    public SrtpSender? Protection { get; set; }

    /// <summary>With SRTP: verifies and decrypts what arrives; what fails is dropped and counted there. Set before receiving.</summary>
    public SrtpReceiver? Verification { get; set; }

    public long PacketsSent => Interlocked.Read(ref _sent);

    public long PacketsReceived => Interlocked.Read(ref _received);

    /// <summary>The RTP timestamp the next frame will carry (for RTCP sender reports).</summary>
    public uint Timestamp => _timestamp;

    /// <summary>Sends one frame and advances sequence by one and timestamp by <paramref name="samples"/>. Not thread-safe: one sender.</summary>
    public void Send(ReadOnlySpan<byte> payload, int payloadType, bool marker, uint samples)
    {
        var remote = Remote;
        if (remote is not null && Volatile.Read(ref _disposed) == 0)
        {
            var length = new RtpPacket(marker, payloadType, _sequence, _timestamp, Ssrc, payload).WriteTo(_sendBuffer);
            try
            {
                if (Protection is { } protection)
                {
                    length = protection.ProtectRtp(_sendBuffer, length);
                }

                if (SendDatagram(_sendBuffer.AsSpan(0, length), remote))
                {
                    Interlocked.Increment(ref _sent);
                }
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
                // A lost RTP packet is no error worth stopping for: the next frame goes out 20 ms later.
            }
        }

        _sequence++;
        _timestamp += samples;
    }

    private bool SendDatagram(ReadOnlySpan<byte> datagram, IPEndPoint remote)
    {
        if (!LinuxUdp.Supported)
        {
            _socket.SendTo(datagram, SocketFlags.None, remote);
            return true;
        }

        if (!ReferenceEquals(remote, _addressOf))
        {
            var address = remote.Serialize();
            _remoteAddress = address.Buffer[..address.Size].ToArray();
            _addressOf = remote;
        }

        return LinuxUdp.SendTo(_socket.SafeHandle, datagram, _remoteAddress);
    }

    /// <summary>Leaves a gap of <paramref name="samples"/> in the timestamps (frames the sender had to skip).</summary>
    public void Skip(uint samples) => _timestamp += samples;

    /// <summary>
    /// Starts receiving: every RTP packet goes to <paramref name="onPacket"/> (on an I/O thread) until the session is
    /// disposed; garbage is skipped. Socket errors come back as values, so closing the socket at the end of a call
    /// costs no exception. The task completes when receiving has stopped.
    /// </summary>
    public Task ReceiveAsync(RtpPacketHandler onPacket)
    {
        _onPacket = onPacket;
        if (LinuxUdp.Supported)
        {
            _loopKey = RtpReceiveLoop.Shared.Add(this, _socket.SafeHandle);
            if (Volatile.Read(ref _disposed) != 0)
            {
                StopReceiving(null);
            }

            return _receiving.Task;
        }

        _receive = new SocketAsyncEventArgs();
        _receive.SetBuffer(new byte[2048], 0, 2048);
        _receive.RemoteEndPoint = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        _receive.Completed += (_, args) =>
        {
            if (Handle(args))
            {
                ReceiveNext();
            }
        };
        ReceiveNext();
        return _receiving.Task;
    }

    private void ReceiveNext()
    {
        while (Volatile.Read(ref _disposed) == 0)
        {
            bool pending;
            try
            {
                pending = _socket.ReceiveFromAsync(_receive!);
            }
            catch (ObjectDisposedException)
            {
                break;
            }

            if (pending)
            {
                return;
            }

            if (!Handle(_receive!))
            {
                break;
            }
        }

        _receiving.TrySetResult();
    }

    /// <summary>On the <see cref="RtpReceiveLoop"/>: the one datagram waiting, into <paramref name="buffer"/> and on.</summary>
    void IReceiveLoopSocket.ReceiveOne(byte[] buffer)
    {
        var length = LinuxUdp.Receive(_socket.SafeHandle, buffer);
        if (length >= 0)
        {
            Deliver(buffer, length);
        }
    }

    /// <summary>Leaves the receive loop (at disposal, or when the handler failed: <paramref name="failure"/>).</summary>
    internal void StopReceiving(Exception? failure)
    {
        if (Interlocked.Exchange(ref _loopKey, 0) is var key and not 0)
        {
            RtpReceiveLoop.Shared.Remove(key, _socket.SafeHandle);
        }

        if (failure is null)
        {
            _receiving.TrySetResult();
        }
        else
        {
            _receiving.TrySetException(failure);
        }
    }

    void IReceiveLoopSocket.StopReceiving(Exception? failure) => StopReceiving(failure);

    /// <summary>Hands a received packet on; false when receiving should stop.</summary>
    private bool Handle(SocketAsyncEventArgs args)
    {
        if (args.SocketError != SocketError.Success)
        {
            var stop = Volatile.Read(ref _disposed) != 0 || ReceiveSocketErrors.EndsReceiving(args.SocketError);
            if (stop)
            {
                _receiving.TrySetResult();
            }

            return !stop;
        }

        Deliver(args.Buffer!, args.BytesTransferred);
        return true;
    }

    private void Deliver(byte[] buffer, int length)
    {
        if (Verification is { } verification && (length = verification.UnprotectRtp(buffer, length)) < 0)
        {
            return;
        }

        if (RtpPacket.TryParse(buffer.AsSpan(0, length), out var packet))
        {
            Interlocked.Increment(ref _received);
            _onPacket!(packet);
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            if (LinuxUdp.Supported)
            {
                StopReceiving(null);
            }

            _socket.Dispose();
            _pool.Return(LocalPort);
            if (_receive is null)
            {
                _receiving.TrySetResult();
            }
        }

        return ValueTask.CompletedTask;
    }
}
