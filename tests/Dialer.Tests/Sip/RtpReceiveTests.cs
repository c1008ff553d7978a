using System.Net;
using System.Net.Sockets;
using Cualify.Appliance.Dialer.Sip.Media;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>Receiving RTP on real loopback sockets (on Linux through the one shared receive thread).</summary>
public sealed class RtpReceiveTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Packets_arrive_in_order_a_failing_handler_stops_only_its_own_call_and_disposal_ends_receiving()
    {
        var pool = new RtpPortPool(IPAddress.Loopback, 43000, 43999);
        await using var failing = new RtpSession(pool);
        await using var healthy = new RtpSession(pool);
        var sequences = new List<ushort>();
        var tenArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var failed = failing.ReceiveAsync((in RtpPacket _) => throw new InvalidOperationException("handler broke"));
        var receiving = healthy.ReceiveAsync((in RtpPacket packet) =>
        {
            sequences.Add(packet.Sequence);
            if (sequences.Count == 10)
            {
                tenArrived.TrySetResult();
            }
        });

        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        Send(peer, failing.LocalPort, 1);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => failed.WaitAsync(Wait));
        Assert.Equal("handler broke", error.Message);
        for (ushort sequence = 100; sequence < 110; sequence++)
        {
            Send(peer, healthy.LocalPort, sequence);
        }

        await tenArrived.Task.WaitAsync(Wait);
        Assert.Equal(Enumerable.Range(100, 10).Select(i => (ushort)i), sequences);
        Assert.Equal(10, healthy.PacketsReceived);

        await healthy.DisposeAsync();
        await receiving.WaitAsync(Wait);
    }

    private static void Send(Socket peer, int port, ushort sequence)
    {
        var buffer = new byte[12 + 160];
        var length = new RtpPacket(false, 0, sequence, sequence * 160u, 0x1234, new byte[160]).WriteTo(buffer);
        peer.SendTo(buffer.AsSpan(0, length), new IPEndPoint(IPAddress.Loopback, port));
    }
}
