using System.Net;
using System.Net.Sockets;
using Cualify.Appliance.Dialer.Platform;

namespace Cualify.Appliance.Dialer.Sip.Transport;

/// <summary>A bound UDP socket with an async receive loop.</summary>
public sealed class UdpDatagramChannel : IDatagramChannel
{
    private const int MaxDatagram = 65_535;
    private readonly Socket _socket;

    public UdpDatagramChannel(IPEndPoint bindTo, int bufferBytes = 4 * 1024 * 1024)
    {
        _socket = new Socket(bindTo.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            _socket.ReceiveBufferSize = bufferBytes;
            _socket.SendBufferSize = bufferBytes;
            _socket.Bind(bindTo);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }

        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    public void Send(ReadOnlySpan<byte> datagram, IPEndPoint remote) => _socket.SendTo(datagram, SocketFlags.None, remote);

    /// <summary>
    /// Receives on a thread of its own (blocking reads), so SIP input never waits in a busy thread pool's queue
    /// behind other work: a late 1xx or ACK makes the peer retransmit. On Linux the thread is favoured (nice -10, not
    /// real-time: a flood of datagrams still shares the core) so a loaded box cannot hold it back past T1 = 500 ms, after
    /// which our INVITEs go out again to a callee that has answered them. Cancelling closes the socket to end it.
    /// </summary>
    public Task RunAsync(DatagramHandler onDatagram, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Receive(onDatagram, cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Receive(DatagramHandler onDatagram, CancellationToken cancellationToken)
    {
        using var stop = cancellationToken.Register(static socket => ((Socket)socket!).Close(), _socket);
        LinuxThreads.RaiseCallingThread(ThreadScheduling.Favoured);
        var buffer = GC.AllocateUninitializedArray<byte>(MaxDatagram, pinned: true);
        EndPoint any = new IPEndPoint(LocalEndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            int received;
            var remote = any;
            try
            {
                received = _socket.ReceiveFrom(buffer, SocketFlags.None, ref remote);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException exception) when (exception.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize or SocketError.NetworkReset)
            {
                // An ICMP error for an earlier send, or an oversized datagram: nothing to read, keep serving.
                continue;
            }
            catch (SocketException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            onDatagram(buffer.AsSpan(0, received), (IPEndPoint)remote);
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
