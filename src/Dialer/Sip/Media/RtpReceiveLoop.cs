using System.Collections.Concurrent;
using System.Net.Sockets;
using Cualify.Appliance.Dialer.Platform;

namespace Cualify.Appliance.Dialer.Sip.Media;

/// <summary>A socket on the <see cref="RtpReceiveLoop"/>: told when a datagram waits, and when its handler failed.</summary>
internal interface IReceiveLoopSocket
{
    /// <summary>Reads the one datagram waiting into <paramref name="buffer"/> and handles it.</summary>
    void ReceiveOne(byte[] buffer);

    /// <summary>Leaves the loop; <paramref name="failure"/> is what the handler threw.</summary>
    void StopReceiving(Exception? failure);
}

/// <summary>
/// Linux: one thread receives for every call's RTP and RTCP socket, woken by an epoll that waits only for arriving datagrams,
/// and reads one datagram per ready socket per wake-up (epoll reports a socket again while more wait). This replaces
/// a .NET asynchronous receive per socket, whose engine also woke for every datagram the media clock sent and then
/// handed each received one to a pool thread.
/// </summary>
internal sealed class RtpReceiveLoop
{
    private const int MaxEvents = 256;
    private const int WaitMs = 200;

    private static readonly Lazy<RtpReceiveLoop> Instance = new(() => new RtpReceiveLoop());

    private readonly int _epoll = LinuxUdp.CreateEpoll();
    private readonly ConcurrentDictionary<long, IReceiveLoopSocket> _sessions = new();
    private long _nextKey;

    private RtpReceiveLoop()
    {
        new Thread(Run) { IsBackground = true, Name = "RTP receive" }.Start();
    }

    public static RtpReceiveLoop Shared => Instance.Value;

    public long Add(IReceiveLoopSocket session, SafeSocketHandle socket)
    {
        var key = Interlocked.Increment(ref _nextKey);
        _sessions[key] = session;
        LinuxUdp.Watch(_epoll, socket, key);
        return key;
    }

    public void Remove(long key, SafeSocketHandle socket)
    {
        LinuxUdp.Unwatch(_epoll, socket);
        _sessions.TryRemove(key, out _);
    }

    private void Run()
    {
        var events = new byte[MaxEvents * LinuxUdp.EventBytes];
        var datagram = new byte[2048];
        while (true)
        {
            var ready = LinuxUdp.Wait(_epoll, events, WaitMs);
            for (var i = 0; i < ready; i++)
            {
                if (!_sessions.TryGetValue(LinuxUdp.KeyOf(events, i), out var session))
                {
                    continue;
                }

                try
                {
                    session.ReceiveOne(datagram);
                }
                catch (Exception exception)
                {
                    // One call's handler failing stops that call's receiving, never everyone's.
                    session.StopReceiving(exception);
                }
            }
        }
    }
}
