using System.Net;
using System.Net.Sockets;

namespace Cualify.Appliance.Bench.Agents;

/// <summary>The callee's media for every bench call: one UDP socket that sends each RTP packet straight back to its sender, timing probes.</summary>
public sealed class RtpEcho : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly ProbeFrames _probes;
    private readonly Thread _thread;
    private volatile bool _stopped;

    public RtpEcho(ProbeFrames probes)
    {
        _probes = probes;
        _socket.ReceiveBufferSize = 8 << 20;
        _socket.SendBufferSize = 8 << 20;
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _thread = new Thread(Run) { IsBackground = true, Name = "rtp echo" };
        _thread.Start();
    }

    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    public long Echoed { get; private set; }

    private void Run()
    {
        var buffer = new byte[2048];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        while (!_stopped)
        {
            int length;
            try
            {
                length = _socket.ReceiveFrom(buffer, ref from);
            }
            catch (SocketException)
            {
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            if (length > 12)
            {
                _probes.OnRtp(buffer.AsSpan(12, length - 12));
            }

            try
            {
                _socket.SendTo(buffer.AsSpan(0, length), SocketFlags.None, from);
                Echoed++;
            }
            catch (SocketException)
            {
            }
        }
    }

    public void Dispose()
    {
        _stopped = true;
        _socket.Dispose();
    }
}
