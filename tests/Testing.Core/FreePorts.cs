using System.Net;
using System.Net.Sockets;

namespace Cualify.Appliance.Testing;

/// <summary>Ports nobody holds right now, found by letting the OS pick and letting go.</summary>
public static class FreePorts
{
    /// <summary>A loopback TCP port nobody listens on right now.</summary>
    public static int Tcp()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until something accepts connections on the port.</summary>
    public static async Task WaitUntilListeningAsync(int port, Func<string> diagnostics, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new InvalidOperationException($"Nothing listens on 127.0.0.1:{port}: {diagnostics()}");
    }

    public static int Udp()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>An even port whose odd neighbour is free too (sipp's media port and its RTCP).</summary>
    public static int UdpPair()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var port = Udp() & ~1;
            try
            {
                using var even = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                using var odd = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                even.Bind(new IPEndPoint(IPAddress.Loopback, port));
                odd.Bind(new IPEndPoint(IPAddress.Loopback, port + 1));
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException("No free pair of UDP ports.");
    }
}
