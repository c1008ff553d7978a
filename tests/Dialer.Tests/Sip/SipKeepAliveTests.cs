using System.Net;
using System.Net.Sockets;
using Cualify.Appliance.Dialer.Sip.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>
/// CRLF keep-alive on a stream connection (RFC 5626 §3.5.1 and §4.4.1) against a real TCP peer, on a fake clock:
/// an idle connection is pinged, a pong keeps it, a missing pong closes it, and the trunk is connected again.
/// </summary>
public sealed class SipKeepAliveTests : IAsyncLifetime
{
    private readonly TcpListener _peer = new(IPAddress.Loopback, 0);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2030-01-01T10:00:00Z"));
    private SipStreamConnections _streams = null!;
    private IPEndPoint _remote = null!;

    public Task InitializeAsync()
    {
        _peer.Start();
        _remote = (IPEndPoint)_peer.LocalEndpoint;
        _streams = new SipStreamConnections(IPAddress.Loopback, null, _time, NullLogger.Instance) { Persistent = _remote };
        return Task.CompletedTask;
    }

    [Fact]
    public async Task An_idle_connection_gets_a_double_CRLF_ping_and_stays_open_when_the_single_CRLF_pong_comes()
    {
        _streams.Connection(_remote);
        using var accepted = await _peer.AcceptSocketAsync();

        _time.Advance(_streams.KeepAliveInterval);
        _streams.Watch();
        Assert.Equal("\r\n\r\n", await ReadAsync(accepted, 4));
        await accepted.SendAsync("\r\n"u8.ToArray());
        await WaitAsync(() => _streams.Find(_remote)?.PingSentAt is null);
        _time.Advance(_streams.PongTimeout);
        _streams.Watch();

        Assert.NotNull(_streams.Find(_remote));
        Assert.Equal(0, _streams.Counters.KeepAliveTimeouts);
    }

    [Fact]
    public async Task A_ping_without_a_pong_closes_the_connection_and_the_trunk_is_connected_again()
    {
        _streams.Connection(_remote);
        using var first = await _peer.AcceptSocketAsync();
        _time.Advance(_streams.KeepAliveInterval);
        _streams.Watch();
        Assert.Equal("\r\n\r\n", await ReadAsync(first, 4));

        _time.Advance(_streams.PongTimeout);
        _streams.Watch();
        Assert.Equal(1, _streams.Counters.KeepAliveTimeouts);
        Assert.True(await ClosedAsync(first), "the unanswered connection is still open");

        // The same round of the watch connects the trunk again.
        using var second = await _peer.AcceptSocketAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, _streams.Counters.Connects);
    }

    [Fact]
    public async Task A_ping_from_the_peer_is_answered_with_a_pong()
    {
        _streams.Connection(_remote);
        using var accepted = await _peer.AcceptSocketAsync();

        await accepted.SendAsync("\r\n\r\n"u8.ToArray());

        Assert.Equal("\r\n", await ReadAsync(accepted, 2));
    }

    [Fact]
    public async Task A_connect_that_hangs_on_one_peer_does_not_hold_up_sends_to_another()
    {
        // A peer whose accept queue is full: the kernel drops further SYNs, so a connect to it waits out its timeout.
        using var deaf = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        deaf.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        deaf.Listen(0);
        var fillers = new List<Socket>();
        for (var i = 0; i < 4; i++)
        {
            var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
            try
            {
                filler.Connect(deaf.LocalEndPoint!);
            }
            catch (SocketException)
            {
                // In progress, or dropped once the queue is full: either way it fills the queue.
            }

            fillers.Add(filler);
        }

        _streams.ConnectTimeout = TimeSpan.FromSeconds(5);
        var hanging = Task.Run(() => _streams.Send("OPTIONS"u8, (IPEndPoint)deaf.LocalEndPoint!));
        await Task.Delay(300);
        Assert.False(hanging.IsCompleted, "the connect to the deaf peer should still be waiting");

        var started = System.Diagnostics.Stopwatch.StartNew();
        await Task.Run(() => _streams.Send("OPTIONS"u8, _remote)).WaitAsync(TimeSpan.FromSeconds(10));
        using var accepted = await _peer.AcceptSocketAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("OPTIONS", await ReadAsync(accepted, 7));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(2), $"the send to the answering peer took {started.Elapsed}");
        Assert.False(hanging.IsCompleted, "the deaf peer's connect ended before the other send went out");

        await Assert.ThrowsAsync<SipTransportException>(() => hanging.WaitAsync(TimeSpan.FromSeconds(15)));
        fillers.ForEach(f => f.Dispose());
    }

    private static async Task<string> ReadAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (read < count)
        {
            var got = await socket.ReceiveAsync(buffer.AsMemory(read), limit.Token);
            Assert.NotEqual(0, got);
            read += got;
        }

        return System.Text.Encoding.ASCII.GetString(buffer);
    }

    /// <summary>The peer closed its end: the read ends (a close with a read pending arrives as a reset).</summary>
    private static async Task<bool> ClosedAsync(Socket socket)
    {
        try
        {
            return await socket.ReceiveAsync(new byte[1]).WaitAsync(TimeSpan.FromSeconds(10)) == 0;
        }
        catch (SocketException exception) when (exception.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition());
    }

    public async Task DisposeAsync()
    {
        await _streams.DisposeAsync();
        _peer.Stop();
    }
}
