using System.Net;
using System.Net.Sockets;
using Cualify.Appliance.Dialer.Platform;
using Cualify.Appliance.Dialer.Sip.Media.Srtp;

namespace Cualify.Appliance.Dialer.Sip.Media;

/// <summary>
/// One call's RTCP endpoint on the port after its RTP port (RFC 3550 §11): sends our sender reports to the peer's RTP
/// port + 1 and reads the reports the peer sends back — what it says about our audio (loss, jitter) is kept for the
/// call's timeline. A port another process holds means no RTCP for the call, not a failed call. On Linux it receives
/// on the shared <see cref="RtpReceiveLoop"/> like RTP: a .NET asynchronous receive per call cost a pool hand-off at
/// every hang-up (the pending receive aborted by the close) even when no RTCP ever came.
/// </summary>
public sealed class RtcpSession : IAsyncDisposable, IReceiveLoopSocket
{
    private readonly Socket _socket;
    private readonly byte[] _send = new byte[512];
    private readonly uint _ssrc;
    private readonly string _cname;
    private SocketAsyncEventArgs? _receive;
    private long _loopKey;
    private readonly TaskCompletionSource _receiving = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;
    private long _received;
    private long _sent;
    private RtcpReceptionReport? _lastReport;

    private RtcpSession(Socket socket, uint ssrc, string cname)
    {
        _socket = socket;
        _ssrc = ssrc;
        _cname = cname;
    }

    /// <summary>Opens the RTCP port beside <paramref name="rtpPort"/>, or null when it is taken.</summary>
    public static RtcpSession? TryOpen(IPAddress bindAddress, int rtpPort, uint ssrc, string cname)
    {
        var socket = new Socket(bindAddress.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(new IPEndPoint(bindAddress, rtpPort + 1));
            return new RtcpSession(socket, ssrc, cname);
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
    }

    public IPEndPoint? Remote { get; set; }

    /// <summary>With SRTP: reports go out as SRTCP. Set before <see cref="Start"/>.</summary>
    public SrtpSender? Protection { get; set; }

    /// <summary>With SRTP: only SRTCP that verifies is read. Set before <see cref="Start"/>.</summary>
    public SrtpReceiver? Verification { get; set; }

    public long PacketsReceived => Interlocked.Read(ref _received);

    public long ReportsSent => Interlocked.Read(ref _sent);

    /// <summary>The peer's latest report on our audio, or null when it sent none.</summary>
    public RtcpReceptionReport? LastReport => Volatile.Read(ref _lastReport);

    public void Start()
    {
        if (LinuxUdp.Supported)
        {
            _loopKey = RtpReceiveLoop.Shared.Add(this, _socket.SafeHandle);
            if (Volatile.Read(ref _disposed) != 0)
            {
                StopReceiving();
            }

            return;
        }

        _receive = new SocketAsyncEventArgs();
        _receive.SetBuffer(new byte[1500], 0, 1500);
        _receive.RemoteEndPoint = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        _receive.Completed += (_, args) =>
        {
            if (Handle(args))
            {
                ReceiveNext();
            }
        };
        ReceiveNext();
    }

    /// <summary>Sends one sender report about what <paramref name="rtp"/> has sent so far. Not thread-safe: one sender.</summary>
    public void SendReport(RtpSession rtp, DateTimeOffset now, uint octetsPerPacket)
    {
        if (Remote is not { } remote)
        {
            return;
        }

        var packets = rtp.PacketsSent;
        var length = RtcpPacket.WriteSenderReport(_send, _ssrc, now, rtp.Timestamp, (uint)packets, (uint)(packets * octetsPerPacket), _cname);
        try
        {
            if (Protection is { } protection)
            {
                length = protection.ProtectRtcp(_send, length);
            }

            _socket.SendTo(_send.AsSpan(0, length), SocketFlags.None, remote);
            Interlocked.Increment(ref _sent);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            // A lost report is no loss: the next one follows.
        }
    }

    /// <summary>
    /// Receives with one reusable <see cref="SocketAsyncEventArgs"/>: errors come back as values, so closing the socket
    /// at the end of the call costs no exception (thousands of calls a second end).
    /// </summary>
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

    /// <summary>Reads one datagram; false when receiving should stop.</summary>
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

    void IReceiveLoopSocket.ReceiveOne(byte[] buffer)
    {
        var length = LinuxUdp.Receive(_socket.SafeHandle, buffer);
        if (length >= 0)
        {
            Deliver(buffer, length);
        }
    }

    void IReceiveLoopSocket.StopReceiving(Exception? failure) => StopReceiving();

    /// <summary>Leaves the receive loop; a report that failed to parse only ends this call's RTCP.</summary>
    private void StopReceiving()
    {
        if (Interlocked.Exchange(ref _loopKey, 0) is var key and not 0)
        {
            RtpReceiveLoop.Shared.Remove(key, _socket.SafeHandle);
        }

        _receiving.TrySetResult();
    }

    private void Deliver(byte[] buffer, int length)
    {
        if (Verification is { } verification && (length = verification.UnprotectRtcp(buffer, length)) < 0)
        {
            return;
        }

        var packet = buffer.AsSpan(0, length);
        if (!RtcpPacket.IsRtcp(packet))
        {
            return;
        }

        Interlocked.Increment(ref _received);
        if (RtcpPacket.ReportAbout(packet, _ssrc) is { } report)
        {
            Volatile.Write(ref _lastReport, report);
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            if (_receive is null)
            {
                StopReceiving();
            }

            _socket.Dispose();
        }

        return new ValueTask(_receiving.Task);
    }
}
