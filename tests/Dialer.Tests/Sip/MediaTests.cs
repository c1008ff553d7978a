using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Cualify.Appliance.Core.Playbooks.Audio;
using Cualify.Appliance.Dialer.Sip.Media;
using Cualify.Appliance.Dialer.Sip.Sdp;
using Cualify.Appliance.Dialer.Telephony;
using Cualify.Appliance.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.Dialer.Tests.Sip;

public sealed class MediaTests
{
    [Fact]
    public void RTP_headers_round_trip_and_CSRCs_extensions_and_padding_are_skipped()
    {
        var buffer = new byte[64];
        var length = new RtpPacket(true, 101, 65535, 0xFFFFFF00, 0xDEADBEEF, [1, 2, 3, 4]).WriteTo(buffer);
        Assert.True(RtpPacket.TryParse(buffer.AsSpan(0, length), out var packet));
        Assert.True(packet.Marker);
        Assert.Equal(101, packet.PayloadType);
        Assert.Equal(65535, packet.Sequence);
        Assert.Equal(0xFFFFFF00, packet.Timestamp);
        Assert.Equal(0xDEADBEEF, packet.Ssrc);
        Assert.Equal([1, 2, 3, 4], packet.Payload.ToArray());

        // One CSRC, a one-word extension, and two bytes of padding around a 4-byte payload.
        byte[] complex = [0xB1, 0x00, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 9, 9, 9, 9, 0xBE, 0xDE, 0, 1, 7, 7, 7, 7, 5, 6, 7, 8, 0, 2];
        Assert.True(RtpPacket.TryParse(complex, out var parsed));
        Assert.Equal([5, 6, 7, 8], parsed.Payload.ToArray());

        Assert.False(RtpPacket.TryParse([0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], out _));
        Assert.False(RtpPacket.TryParse([0x80, 0, 0], out _));
        Assert.False(RtpPacket.TryParse([0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 200], out _));
    }

    [Fact]
    public void One_key_press_is_one_digit_however_many_packets_carry_it()
    {
        var receiver = new DtmfReceiver();
        var reported = new List<char>();
        void Feed(uint timestamp, byte code, bool end, ushort duration)
        {
            byte[] payload = [code, (byte)((end ? 0x80 : 0) | 10), (byte)(duration >> 8), (byte)duration];
            if (receiver.Accept(0x1234, timestamp, payload) is { } digit)
            {
                reported.Add(digit);
            }
        }

        // Key 9: updates, then the end packet three times (RFC 4733 §2.5.1.4).
        Feed(1000, 9, false, 160);
        Feed(1000, 9, false, 320);
        Feed(1000, 9, true, 480);
        Feed(1000, 9, true, 480);
        Feed(1000, 9, true, 480);
        // Key 1 whose first packets were lost: only end packets arrive.
        Feed(5000, 1, true, 800);
        Feed(5000, 1, true, 800);
        // Key 9 again, a new event with a new timestamp.
        Feed(9000, 9, false, 160);
        // A late duplicate of the first event, and events that are not keys.
        Feed(1000, 9, true, 480);
        Feed(12000, 16, false, 160);
        Assert.Null(receiver.Accept(0x1234, 13000, [1, 2]));

        Assert.Equal(['9', '1', '9'], reported);
        Assert.Equal('*', DtmfReceiver.DigitOf(10));
        Assert.Equal('#', DtmfReceiver.DigitOf(11));
        Assert.Equal('D', DtmfReceiver.DigitOf(15));
    }

    [Fact]
    public async Task The_player_sends_one_160_byte_frame_per_20_ms_of_clock_time()
    {
        var time = new FakeTimeProvider();
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var pool = new RtpPortPool(IPAddress.Loopback, 41000, 41999);
        await using var session = new RtpSession(pool) { Remote = (IPEndPoint)peer.LocalEndPoint! };
        var prompt = Enumerable.Range(0, 800).Select(i => (byte)i).ToArray(); // 5 frames
        var finished = 0;
        var player = new PromptPlayer(session, AudioCodec.Pcmu, prompt, time, () => finished++);
        var clock = new MediaClock(time, NullLogger.Instance);
        clock.Add(player);

        // One second of clock time, a tick at a time.
        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromSeconds(1); elapsed += MediaClock.Resolution)
        {
            clock.TickAll();
            time.Advance(MediaClock.Resolution);
        }

        Assert.Equal(50, player.FramesSent);
        Assert.Equal(0, player.FramesLate);
        Assert.Equal(1, finished);
        var packets = Drain(peer);
        Assert.Equal(50, packets.Count);
        Assert.All(packets, p => Assert.Equal(172, p.Length));
        Assert.Equal(prompt, packets.Take(5).SelectMany(p => p[12..]).ToArray());
        Assert.All(packets.Skip(5), p => Assert.All(p[12..], b => Assert.Equal(G711.UlawSilence, b)));

        // A stall of a second sends a few frames, not fifty at once, and leaves a gap in the timestamps.
        var lastTimestamp = BinaryPrimitives.ReadUInt32BigEndian(packets[^1].AsSpan(4));
        time.Advance(TimeSpan.FromSeconds(1));
        clock.TickAll();
        var afterStall = Drain(peer);
        Assert.Equal(PromptPlayer.MaxCatchUpFrames, afterStall.Count);
        Assert.True(BinaryPrimitives.ReadUInt32BigEndian(afterStall[0].AsSpan(4)) - lastTimestamp > 160);
        // Late: the 41 frames skipped and the 9 of the 10 sent that left more than 10 ms after their moment (the last was due now).
        Assert.Equal(50, player.FramesLate);

        player.Stop();
        clock.TickAll();
        Assert.Equal(0, clock.StreamCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Calls_play_the_converted_file_of_their_law_one_piece_after_another(bool pcma)
    {
        using var folder = new TempDirectory("prompts");
        var pieces = new[] { Piece(folder.Path, "notice", 0x10, 0x20), Piece(folder.Path, "message", 0x30, 0x40) };
        var library = new PromptLibrary();

        var audio = await library.LoadAsync(pieces, pcma ? AudioCodec.Pcma : AudioCodec.Pcmu, CancellationToken.None);

        Assert.Equal(pcma ? new byte[] { 0x20, 0x20, 0x40, 0x40 } : [0x10, 0x10, 0x30, 0x30], audio);
        Assert.Same(audio, await library.LoadAsync(pieces, pcma ? AudioCodec.Pcma : AudioCodec.Pcmu, CancellationToken.None));
        Assert.Empty(await library.LoadAsync([], AudioCodec.Pcmu, CancellationToken.None));
        File.Delete(pieces[1].AlawPath);
        File.Delete(pieces[1].UlawPath);
        await Assert.ThrowsAsync<FileNotFoundException>(() => library.LoadAsync(pieces, pcma ? AudioCodec.Pcma : AudioCodec.Pcmu, CancellationToken.None));
    }

    private static PromptAudio Piece(string folder, string name, byte ulaw, byte alaw)
    {
        var piece = new PromptAudio(Path.Combine(folder, name + ".ulaw"), Path.Combine(folder, name + ".alaw"));
        File.WriteAllBytes(piece.UlawPath, [ulaw, ulaw]);
        File.WriteAllBytes(piece.AlawPath, [alaw, alaw]);
        return piece;
    }

    [Fact]
    public void The_port_pool_hands_out_even_ports_and_skips_busy_ones()
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 42000));
        var pool = new RtpPortPool(IPAddress.Loopback, 42000, 42005);

        using var first = pool.Rent();
        using var second = pool.Rent();

        Assert.Equal(42002, ((IPEndPoint)first.LocalEndPoint!).Port);
        Assert.Equal(42004, ((IPEndPoint)second.LocalEndPoint!).Port);
        Assert.Throws<RtpPortsExhaustedException>(() => pool.Rent());
    }

    private static List<byte[]> Drain(Socket socket)
    {
        // Sends on loopback are delivered before SendTo returns, so what was sent is already queued: no waiting.
        var packets = new List<byte[]>();
        var buffer = new byte[2048];
        while (socket.Available > 0)
        {
            var length = socket.Receive(buffer);
            packets.Add(buffer[..length]);
        }

        return packets;
    }
}
