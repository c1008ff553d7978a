using System.Net;

namespace Cualify.Appliance.Dialer.Sip.Transport;

/// <summary>Called by a channel's receive loop for every datagram; the span is only valid during the call.</summary>
public delegate void DatagramHandler(ReadOnlySpan<byte> datagram, IPEndPoint remote);

/// <summary>
/// The wire under the SIP transport: a UDP socket in production, <see cref="InMemoryNetwork"/> in unit tests.
/// It moves bytes and nothing else.
/// </summary>
public interface IDatagramChannel : IAsyncDisposable
{
    IPEndPoint LocalEndPoint { get; }

    /// <summary>Sends one datagram now. Throws <see cref="System.Net.Sockets.SocketException"/> when the OS refuses.</summary>
    void Send(ReadOnlySpan<byte> datagram, IPEndPoint remote);

    /// <summary>Runs the receive loop until <paramref name="cancellationToken"/> fires or the channel is disposed.</summary>
    Task RunAsync(DatagramHandler onDatagram, CancellationToken cancellationToken);
}
