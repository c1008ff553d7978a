using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;

namespace Cualify.Appliance.Dialer.Sip.Transport;

/// <summary>
/// A loss-free (unless told otherwise) network of in-memory datagram channels for unit tests: the whole stack runs
/// without sockets, and tests can read, drop or inject datagrams.
/// </summary>
public sealed class InMemoryNetwork
{
    private readonly ConcurrentDictionary<IPEndPoint, InMemoryDatagramChannel> _channels = new();
    private int _nextPort = 40_000;

    /// <summary>When set and returning true, the datagram is lost on the way.</summary>
    public Func<ReadOnlyMemory<byte>, IPEndPoint, IPEndPoint, bool>? Drop { get; set; }

    public InMemoryDatagramChannel Open(IPEndPoint? at = null)
    {
        at ??= new IPEndPoint(IPAddress.Loopback, Interlocked.Increment(ref _nextPort));
        var channel = new InMemoryDatagramChannel(this, at);
        if (!_channels.TryAdd(at, channel))
        {
            throw new InvalidOperationException($"{at} is already open.");
        }

        return channel;
    }

    internal void Deliver(ReadOnlySpan<byte> datagram, IPEndPoint from, IPEndPoint to)
    {
        var copy = datagram.ToArray();
        if (Drop?.Invoke(copy, from, to) == true)
        {
            return;
        }

        if (_channels.TryGetValue(to, out var channel))
        {
            channel.Enqueue(copy, from);
        }
    }

    internal void Close(InMemoryDatagramChannel channel) => _channels.TryRemove(channel.LocalEndPoint, out _);
}

public sealed class InMemoryDatagramChannel : IDatagramChannel
{
    private readonly InMemoryNetwork _network;
    private readonly Channel<(byte[] Datagram, IPEndPoint From)> _inbox =
        Channel.CreateUnbounded<(byte[], IPEndPoint)>(new UnboundedChannelOptions { SingleReader = true });

    internal InMemoryDatagramChannel(InMemoryNetwork network, IPEndPoint localEndPoint)
    {
        _network = network;
        LocalEndPoint = localEndPoint;
    }

    public IPEndPoint LocalEndPoint { get; }

    public void Send(ReadOnlySpan<byte> datagram, IPEndPoint remote) => _network.Deliver(datagram, LocalEndPoint, remote);

    /// <summary>Reads the next datagram directly (for a test playing the peer without a SIP stack).</summary>
    public async Task<(byte[] Datagram, IPEndPoint From)> ReceiveAsync(CancellationToken cancellationToken) =>
        await _inbox.Reader.ReadAsync(cancellationToken);

    public bool TryReceive(out (byte[] Datagram, IPEndPoint From) item) => _inbox.Reader.TryRead(out item);

    public async Task RunAsync(DatagramHandler onDatagram, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var (datagram, from) in _inbox.Reader.ReadAllAsync(cancellationToken))
            {
                onDatagram(datagram, from);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    internal void Enqueue(byte[] datagram, IPEndPoint from) => _inbox.Writer.TryWrite((datagram, from));

    public ValueTask DisposeAsync()
    {
        _network.Close(this);
        _inbox.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }
}
