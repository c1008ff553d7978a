using System.Net.Sockets;

namespace Cualify.Appliance.Dialer.Sip.Media;

/// <summary>What a failed receive on a media socket means for its RTP or RTCP receive loop.</summary>
internal static class ReceiveSocketErrors
{
    /// <summary>
    /// True when the socket is closed or closing (the session is ending); anything else, such as an ICMP
    /// port-unreachable left by an earlier send on some systems, is no reason to stop receiving.
    /// </summary>
    public static bool EndsReceiving(SocketError error) =>
        error is SocketError.OperationAborted or SocketError.Interrupted or SocketError.NotSocket or SocketError.Shutdown;
}
