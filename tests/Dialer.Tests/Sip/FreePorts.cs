using System.Net;
using System.Net.Sockets;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>Ports nobody holds right now, found by letting the OS pick and letting go.</summary>
public static class FreePorts
{
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
