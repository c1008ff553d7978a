using System.Net;
using System.Net.Sockets;
using Cualify.Appliance.Dialer.Sip.Media.Srtp;

namespace Cualify.Appliance.Dialer.Sip.Media;

/// <summary>
/// One call's RTCP endpoint on the port after its RTP port (RFC 3550 §11): sends our sender reports to the peer's RTP
/// port + 1 and reads the reports the peer sends back — what it says about our audio (loss, jitter) is kept for the
/// call's timeline. A port another process holds means no RTCP for the call, not a failed call.
/// </summary>
public sealed class RtcpSession : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _send = new byte[512];
    private readonly uint _ssrc;
    private readonly string _cname;
    private readonly CancellationTokenSource _stop = new();
    private Task _receiving = Task.CompletedTask;
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

    public void Start() => _receiving = ReceiveAsync(_stop.Token);

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

    private async Task ReceiveAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[1500];
        EndPoint any = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // an ICMP port-unreachable from an earlier report, on some systems
            }

            var length = received.ReceivedBytes;
            if (Verification is { } verification && (length = verification.UnprotectRtcp(buffer, length)) < 0)
            {
                continue;
            }

            var packet = buffer.AsSpan(0, length);
            if (!RtcpPacket.IsRtcp(packet))
            {
                continue;
            }

            Interlocked.Increment(ref _received);
            if (RtcpPacket.ReportAbout(packet, _ssrc) is { } report)
            {
                Volatile.Write(ref _lastReport, report);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        await _receiving;
        _stop.Dispose();
    }
}
