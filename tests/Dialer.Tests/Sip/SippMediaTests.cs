using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Cualify.Appliance.Dialer.Sip;
using Cualify.Appliance.Dialer.Telephony;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>The prompt really reaches the peer as RTP: sipp's answer points the media at a socket this test holds.</summary>
public sealed class SippMediaTests
{
    [Fact]
    public async Task The_prompt_reaches_the_peer_as_20_ms_G711_frames_with_sound_RTP_headers()
    {
        using var media = CaptureSocket();
        var mediaPort = ((IPEndPoint)media.LocalEndPoint!).Port;
        await using var sipp = SippRun.StartUas("uas_rtp_capture.xml", extra: ["-set", "rtpport", mediaPort.ToString()]);
        await using var stack = await TestStacks.StartAsync(sipp.Port, o => o.DigitWait = TimeSpan.FromSeconds(30));
        using var folder = new TempDirectory("prompt");
        var promptPath = TestStacks.WritePrompt(folder.Path, seconds: 1);
        var prompt = await File.ReadAllBytesAsync(promptPath);
        var progress = new RecordingProgress();

        var call = await new SipTelephonyProvider(stack).StartAsync(TestStacks.Plan(promptPath), progress, CancellationToken.None);
        var ourPort = ((Cualify.Appliance.Dialer.Sip.UserAgent.SipCall)call).LocalRtpPort;
        var packets = new List<(byte[] Data, long At)>();
        var strangers = 0;
        var buffer = new byte[2048];
        using (var receiving = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            while (packets.Count < 100)
            {
                var received = await media.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), receiving.Token);
                if (((IPEndPoint)received.RemoteEndPoint).Port != ourPort)
                {
                    strangers++;
                    continue;
                }

                packets.Add((buffer[..received.ReceivedBytes], Stopwatch.GetTimestamp()));
            }
        }

        Assert.Equal(0, strangers);

        await call.HangUpAsync(HangupReason.MaxDurationReached, CancellationToken.None);
        var end = await progress.EndAsync();
        await sipp.AssertSucceededAsync();
        Assert.Equal(new CallEnd(CallOutcome.Completed, "max_duration_reached"), end with { Media = null });
        Assert.Contains("disclosure_played", progress.Kinds);

        var ssrc = BinaryPrimitives.ReadUInt32BigEndian(packets[0].Data.AsSpan(8));
        var payload = new List<byte>();
        var gaps = 0;
        for (var i = 0; i < packets.Count; i++)
        {
            var data = packets[i].Data;
            Assert.Equal(12 + 160, data.Length);
            Assert.Equal(0x80, data[0]);
            Assert.Equal(i == 0 ? 0x80 : 0x00, data[1] & 0x80);
            Assert.Equal(0, data[1] & 0x7F);
            Assert.Equal(ssrc, BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(8)));
            if (i > 0)
            {
                var previous = packets[i - 1].Data;
                Assert.Equal((ushort)(BinaryPrimitives.ReadUInt16BigEndian(previous.AsSpan(2)) + 1), BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(2)));
                // +160 per frame; a sender that stalled skips ahead in whole frames rather than bursting (RFC 3550 §5.1).
                var step = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(4)) - BinaryPrimitives.ReadUInt32BigEndian(previous.AsSpan(4));
                Assert.True(step >= 160 && step % 160 == 0, $"timestamp step {step} at packet {i}");
                gaps += step == 160 ? 0 : 1;
            }

            payload.AddRange(data.AsSpan(12).ToArray());
        }

        Assert.Equal(prompt, payload.Take(prompt.Length).ToArray());
        Assert.All(payload.Skip(prompt.Length), b => Assert.Equal(0xFF, b));
        // Paced on the real clock, not sent as a burst: 100 frames are 2 s of audio and arrive over at least a quarter
        // of that (the margin covers this reader being late to the first packets on a loaded machine). The exact
        // 50 frames per second of clock time is checked on fake time (MediaTests) and measured under load by the
        // bench; here a starved machine may only stretch the stream (the sender then skips frames it could not send
        // on time, the timestamp gaps counted above), never compress it.
        var seconds = Stopwatch.GetElapsedTime(packets[0].At, packets[^1].At).TotalSeconds;
        Assert.True(seconds >= 0.5, $"100 frames arrived within {seconds:0.000} s ({gaps} timestamp gaps)");
    }

    /// <summary>A socket on a port below the ephemeral range, where no other test's "free port" can land.</summary>
    private static Socket CaptureSocket()
    {
        for (var port = 28000 + Random.Shared.Next(0, 1000) * 2; ; port += 2)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return socket;
            }
            catch (SocketException) when (port < 29998)
            {
                socket.Dispose();
            }
        }
    }
}
