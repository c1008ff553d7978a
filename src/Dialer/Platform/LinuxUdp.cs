using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Cualify.Appliance.Dialer.Platform;

/// <summary>
/// UDP sends and receives straight on the socket's descriptor, and an epoll of our own that waits only for what
/// arrives. .NET registers every socket it receives on asynchronously for writability too, so each datagram sent
/// (by the media clock) woke its epoll thread for nothing; at 1,000 calls that was 50,000 wake-ups a second.
/// </summary>
public static partial class LinuxUdp
{
    public const int WouldBlock = 11;
    private const int MessageDontWait = 0x40;
    private const int EpollIn = 0x001;
    private const int EpollAdd = 1;
    private const int EpollDelete = 2;
    private const int EpollCloseOnExec = 0x80000;
    private const int Interrupted = 4;

    public static bool Supported =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>struct epoll_event is packed on x86-64 (12 bytes), naturally aligned elsewhere (16).</summary>
    public static int EventBytes => RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static int EventDataOffset => RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>Sends one datagram without blocking; false when it was not sent (a full send buffer drops it).</summary>
    public static bool SendTo(SafeSocketHandle socket, ReadOnlySpan<byte> datagram, ReadOnlySpan<byte> socketAddress)
    {
        var added = false;
        try
        {
            socket.DangerousAddRef(ref added);
            return sendto((int)socket.DangerousGetHandle(), datagram, datagram.Length, MessageDontWait, socketAddress, socketAddress.Length) >= 0;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (added)
            {
                socket.DangerousRelease();
            }
        }
    }

    /// <summary>One waiting datagram into <paramref name="buffer"/>: its length, or -1 when none is waiting or the socket is closed.</summary>
    public static int Receive(SafeSocketHandle socket, Span<byte> buffer)
    {
        var added = false;
        try
        {
            socket.DangerousAddRef(ref added);
            return (int)recvfrom((int)socket.DangerousGetHandle(), buffer, buffer.Length, MessageDontWait, IntPtr.Zero, IntPtr.Zero);
        }
        catch (ObjectDisposedException)
        {
            return -1;
        }
        finally
        {
            if (added)
            {
                socket.DangerousRelease();
            }
        }
    }

    public static int CreateEpoll()
    {
        var epoll = epoll_create1(EpollCloseOnExec);
        return epoll >= 0 ? epoll : throw new SocketException(Marshal.GetLastPInvokeError());
    }

    /// <summary>Watches <paramref name="socket"/> for datagrams (level-triggered); <paramref name="key"/> comes back with each readiness.</summary>
    public static void Watch(int epoll, SafeSocketHandle socket, long key)
    {
        Span<byte> change = stackalloc byte[16];
        change.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(change, EpollIn);
        BinaryPrimitives.WriteInt64LittleEndian(change[EventDataOffset..], key);
        if (epoll_ctl(epoll, EpollAdd, (int)socket.DangerousGetHandle(), change) != 0)
        {
            throw new SocketException(Marshal.GetLastPInvokeError());
        }
    }

    public static void Unwatch(int epoll, SafeSocketHandle socket)
    {
        Span<byte> unused = stackalloc byte[16];
        _ = epoll_ctl(epoll, EpollDelete, (int)socket.DangerousGetHandle(), unused);
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for readiness; the number of events in <paramref name="events"/> (0 on timeout or signal).</summary>
    public static int Wait(int epoll, Span<byte> events, int timeoutMs)
    {
        var ready = epoll_wait(epoll, events, events.Length / EventBytes, timeoutMs);
        if (ready < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            return error == Interrupted ? 0 : throw new SocketException(error);
        }

        return ready;
    }

    public static long KeyOf(ReadOnlySpan<byte> events, int index) =>
        BinaryPrimitives.ReadInt64LittleEndian(events[((index * EventBytes) + EventDataOffset)..]);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint sendto(int socket, ReadOnlySpan<byte> buffer, nint length, int flags, ReadOnlySpan<byte> address, int addressLength);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint recvfrom(int socket, Span<byte> buffer, nint length, int flags, IntPtr address, IntPtr addressLength);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epoll, int operation, int descriptor, ReadOnlySpan<byte> change);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_wait(int epoll, Span<byte> events, int maxEvents, int timeoutMs);
}
