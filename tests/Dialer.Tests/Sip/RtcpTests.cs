using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Cualify.Appliance.Dialer.Sip;
using Cualify.Appliance.Dialer.Sip.Messages;
using Cualify.Appliance.Dialer.Sip.UserAgent;
using Cualify.Appliance.Dialer.Telephony;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>
/// RTCP (RFC 3550) on an answered call: our sender reports reach the peer's RTCP port (its RTP port + 1), the peer's
/// receiver report about our audio ends up in the call's end, and a callee that sends nothing at all is hung up at
/// <c>Dialer:Sip:MediaTimeout</c> — on fake time against a scripted peer with real UDP media sockets, and against sipp.
/// </summary>
public sealed partial class RtcpTests
{
    [Fact]
    public async Task Sender_reports_reach_the_peer_and_its_receiver_report_is_on_the_calls_end()
    {
        using var peerMedia = PeerMedia.Open();
        await using var peer = await InMemoryPeer.StartAsync(o => o.DigitWait = TimeSpan.FromMinutes(5));
        var progress = new RecordingProgress();
        var call = (SipCall)await new SipTelephonyProvider(peer.Stack).StartAsync(TestStacks.Plan(), progress, CancellationToken.None);
        var invite = await peer.ExpectAsync("INVITE");
        var ourRtpPort = int.Parse(OfferedPort().Match(System.Text.Encoding.UTF8.GetString(invite.Body.Span)).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        peer.Answer(invite, 200, "OK", sdp: InMemoryPeer.AnswerSdp.Replace("m=audio 9 ", $"m=audio {peerMedia.RtpPort} "));
        await peer.ExpectAsync("ACK");
        await MediaStartedAsync(peer, call);

        for (var second = 0; second < 5; second++)
        {
            peer.Time.Advance(TimeSpan.FromSeconds(1));
        }

        var rtp = await peerMedia.ReceiveRtpAsync();
        var report = await peerMedia.ReceiveRtcpAsync();
        var ourSsrc = BinaryPrimitives.ReadUInt32BigEndian(rtp.AsSpan(8));
        Assert.Equal((2, 200), (report[0] >> 6, (int)report[1]));
        Assert.Equal(ourSsrc, BinaryPrimitives.ReadUInt32BigEndian(report.AsSpan(4)));
        var sdes = report.AsSpan(28);
        Assert.Equal((202, 1), (sdes[1], sdes[8]));

        peerMedia.SendReceiverReport(ourRtpPort + 1, ourSsrc, fractionLost: 64, cumulativeLost: 12, jitter: 80);
        using (var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            while (call.RtcpPackets.Received == 0)
            {
                await Task.Delay(20, patience.Token);
            }
        }

        await call.HangUpAsync(HangupReason.MaxDurationReached, CancellationToken.None);
        peer.Answer(await peer.ExpectAsync("BYE"), 200, "OK");
        var end = await progress.EndAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((CallOutcome.Completed, "max_duration_reached"), (end.Outcome, end.EndReason));
        Assert.NotNull(end.Media);
        Assert.Equal(0.25, end.Media["fraction_lost"]);
        Assert.Equal(12, end.Media["packets_lost"]);
        Assert.Equal(10.0, end.Media["jitter_ms"]);
        Assert.Equal(1L, end.Media["rtcp_received"]);
        Assert.True((long)end.Media["rtp_sent"]! > 0);
        var totals = peer.Stack.UserAgent.MediaReports;
        Assert.Equal((1L, 1L, 12L, 10.0), (totals.RtcpReceived, totals.CallsReported, totals.LostPackets, totals.JitterMsSum));
        Assert.True(totals.RtcpSent >= 1);
    }

    [Fact]
    public async Task A_callee_that_sends_no_media_is_hung_up_at_the_media_timeout_and_not_before()
    {
        await using var peer = await InMemoryPeer.StartAsync(o =>
        {
            o.DigitWait = TimeSpan.FromMinutes(5);
            o.MediaTimeout = TimeSpan.FromSeconds(10);
        });
        var progress = new RecordingProgress();
        var call = (SipCall)await new SipTelephonyProvider(peer.Stack).StartAsync(TestStacks.Plan(), progress, CancellationToken.None);
        var invite = await peer.ExpectAsync("INVITE");
        peer.Answer(invite, 200, "OK");
        await peer.ExpectAsync("ACK");
        await MediaStartedAsync(peer, call);

        for (var second = 0; second < 10; second++)
        {
            peer.Time.Advance(TimeSpan.FromSeconds(1));
        }

        await Task.Delay(200);
        Assert.DoesNotContain(peer.Drain(), m => m is SipRequest { Method: "BYE" });
        Assert.False(progress.Ended.IsCompleted);

        peer.Time.Advance(TimeSpan.FromSeconds(1));
        peer.Answer(await peer.ExpectAsync("BYE"), 200, "OK");
        var end = await progress.EndAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((CallOutcome.Completed, "media_timeout"), (end.Outcome, end.EndReason));
        Assert.Equal(0L, end.Media!["rtp_received"]);
        Assert.Equal(1, peer.Stack.UserAgent.MediaReports.MediaTimeouts);
    }

    [Fact]
    public async Task A_sipp_callee_that_never_sends_rtp_is_hung_up_as_media_timeout()
    {
        await using var sipp = SippRun.StartUas("uas_answer_wait_bye.xml");
        await using var stack = await TestStacks.StartAsync(sipp.Port, o =>
        {
            o.DigitWait = TimeSpan.FromMinutes(5);
            o.MediaTimeout = TimeSpan.FromSeconds(5);
        });
        var progress = new RecordingProgress();

        await new SipTelephonyProvider(stack).StartAsync(TestStacks.Plan(), progress, CancellationToken.None);
        var end = await progress.EndAsync(TimeSpan.FromSeconds(60));

        await sipp.AssertSucceededAsync();
        Assert.Equal((CallOutcome.Completed, "media_timeout"), (end.Outcome, end.EndReason));
    }

    /// <summary>Once our first frame has gone, the call's media (and its RTCP timer) runs; fake time counts from here.</summary>
    private static async Task MediaStartedAsync(InMemoryPeer peer, SipCall call)
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (call.RtpPackets.Sent == 0)
        {
            peer.Time.Advance(TimeSpan.FromMilliseconds(20));
            await Task.Delay(10, patience.Token);
        }
    }

    [GeneratedRegex(@"m=audio (\d+) ")]
    private static partial Regex OfferedPort();

    /// <summary>The peer's media sockets: RTP on an even port, RTCP on the next one.</summary>
    private sealed class PeerMedia : IDisposable
    {
        private readonly Socket _rtp;
        private readonly Socket _rtcp;

        private PeerMedia(Socket rtp, Socket rtcp)
        {
            _rtp = rtp;
            _rtcp = rtcp;
        }

        public int RtpPort => ((IPEndPoint)_rtp.LocalEndPoint!).Port;

        public static PeerMedia Open()
        {
            for (var port = 46000; port < 47000; port += 2)
            {
                var rtp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                var rtcp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                try
                {
                    rtp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                    rtcp.Bind(new IPEndPoint(IPAddress.Loopback, port + 1));
                    return new PeerMedia(rtp, rtcp);
                }
                catch (SocketException)
                {
                    rtp.Dispose();
                    rtcp.Dispose();
                }
            }

            throw new InvalidOperationException("No free even/odd port pair for the peer's media");
        }

        public Task<byte[]> ReceiveRtpAsync() => ReceiveAsync(_rtp);

        public Task<byte[]> ReceiveRtcpAsync() => ReceiveAsync(_rtcp);

        /// <summary>An RR (RFC 3550 §6.4.2) with one report block about <paramref name="about"/>.</summary>
        public void SendReceiverReport(int port, uint about, byte fractionLost, int cumulativeLost, uint jitter)
        {
            var packet = new byte[32];
            packet[0] = 0x81;
            packet[1] = 201;
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), 7);
            BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), 0xC0FFEE);
            BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), about);
            packet[12] = fractionLost;
            packet[13] = (byte)(cumulativeLost >> 16);
            packet[14] = (byte)(cumulativeLost >> 8);
            packet[15] = (byte)cumulativeLost;
            BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(20), jitter);
            _rtcp.SendTo(packet, new IPEndPoint(IPAddress.Loopback, port));
        }

        private static async Task<byte[]> ReceiveAsync(Socket socket)
        {
            var buffer = new byte[1500];
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var received = await socket.ReceiveAsync(buffer, SocketFlags.None, patience.Token);
            return buffer[..received];
        }

        public void Dispose()
        {
            _rtp.Dispose();
            _rtcp.Dispose();
        }
    }
}
