using System.Net;
using System.Net.Sockets;

namespace Cualify.Appliance.Dialer.Sip.Media;

/// <summary>
/// Hands out bound UDP sockets on even ports of the configured RTP range (RFC 3550 §11), skipping ports another
/// process holds, so concurrent calls never share a port.
/// </summary>
public sealed class RtpPortPool(IPAddress bindAddress, int firstPort, int lastPort)
{
    private readonly HashSet<int> _inUse = [];
    private readonly Lock _gate = new();
    private int _cursor = firstPort + (firstPort % 2);

    /// <summary>The address RTP (and RTCP, on the next port) is bound to.</summary>
    public IPAddress BindAddress => bindAddress;

    public int InUse
    {
        get
        {
            lock (_gate)
            {
                return _inUse.Count;
            }
        }
    }

    /// <summary>A socket bound to a free even port. Throws <see cref="RtpPortsExhaustedException"/> when none is left.</summary>
    public Socket Rent()
    {
        var evenPorts = ((lastPort - firstPort) / 2) + 1;
        for (var attempt = 0; attempt < evenPorts; attempt++)
        {
            int port;
            lock (_gate)
            {
                port = _cursor;
                _cursor = _cursor + 2 > lastPort ? firstPort + (firstPort % 2) : _cursor + 2;
                if (!_inUse.Add(port))
                {
                    continue;
                }
            }

            var socket = new Socket(bindAddress.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                socket.Bind(new IPEndPoint(bindAddress, port));
                return socket;
            }
            catch (SocketException)
            {
                socket.Dispose();
                Return(port);
            }
        }

        throw new RtpPortsExhaustedException($"No free RTP port between {firstPort} and {lastPort}.");
    }

    public void Return(int port)
    {
        lock (_gate)
        {
            _inUse.Remove(port);
        }
    }
}

public sealed class RtpPortsExhaustedException(string message) : Exception(message);
