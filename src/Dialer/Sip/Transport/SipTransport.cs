using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Cualify.Appliance.Dialer.Sip.Messages;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Sip.Transport;

/// <summary>
/// The SIP transport layer (RFC 3261 §18) over one datagram channel: serialises outgoing messages, parses incoming
/// datagrams, stamps <c>received</c>/<c>rport</c> on requests, and hands well-formed messages to the transactions.
/// Malformed datagrams are dropped and counted; nothing thrown above escapes the receive loop.
/// </summary>
public sealed class SipTransport(IDatagramChannel channel, ILogger logger) : IAsyncDisposable
{
    public SipTransportCounters Counters { get; } = new();

    public IPEndPoint LocalEndPoint => channel.LocalEndPoint;

    /// <summary>The Via transport token.</summary>
    public string Protocol => "UDP";

    /// <summary>Sends <paramref name="message"/>; a refusal by the OS surfaces as <see cref="SipTransportException"/>.</summary>
    public void Send(SipMessage message, IPEndPoint remote) => Send(message.ToBytes(), remote);

    public void Send(ReadOnlySpan<byte> bytes, IPEndPoint remote)
    {
        try
        {
            channel.Send(bytes, remote);
            Counters.CountSent();
        }
        catch (SocketException exception)
        {
            Counters.CountSendFailure();
            throw new SipTransportException($"Sending to {remote} failed: {exception.SocketErrorCode}", exception);
        }
        catch (ObjectDisposedException exception)
        {
            Counters.CountSendFailure();
            throw new SipTransportException("The SIP transport is closed.", exception);
        }
    }

    public Task RunAsync(ISipMessageSink sink, CancellationToken cancellationToken) =>
        channel.RunAsync((datagram, remote) => Receive(datagram, remote, sink), cancellationToken);

    /// <summary>Handles one datagram as if it had arrived from <paramref name="remote"/>. Never throws.</summary>
    public void Receive(ReadOnlySpan<byte> datagram, IPEndPoint remote, ISipMessageSink sink)
    {
        Counters.CountReceived();
        try
        {
            var parsed = SipParser.Parse(datagram);
            if (parsed.IsKeepAlive)
            {
                Counters.CountKeepAlive();
                return;
            }

            if (parsed.Message is null)
            {
                Counters.CountMalformed();
                logger.LogDebug("Dropped a malformed SIP datagram of {Bytes} bytes from {Remote}: {Reason}", datagram.Length, remote, parsed.Error);
                return;
            }

            if (parsed.Message is SipRequest request)
            {
                StampReceived(request, remote);
                sink.OnRequest(request, remote);
            }
            else
            {
                sink.OnResponse((SipResponse)parsed.Message, remote);
            }
        }
        catch (Exception exception)
        {
            Counters.CountHandlerFailure();
            logger.LogWarning(exception, "Handling a SIP datagram from {Remote} failed; it was dropped", remote);
        }
    }

    /// <summary>
    /// Where a response to <paramref name="request"/> goes (RFC 3261 §18.2.2, RFC 3581 §4): the source port when the
    /// client asked for <c>rport</c>, else the <c>received</c> address and the Via port.
    /// </summary>
    public static IPEndPoint ResponseDestination(SipRequest request, IPEndPoint remote)
    {
        var via = request.TopVia;
        if (via is null || via.Parameters.Contains("rport"))
        {
            return remote;
        }

        var host = via.Received ?? via.Host;
        return IPAddress.TryParse(host.Trim('[', ']'), out var address) ? new IPEndPoint(address, via.Port ?? 5060) : remote;
    }

    private static void StampReceived(SipRequest request, IPEndPoint remote)
    {
        var via = request.TopVia!;
        var changed = false;
        var rportAsked = via.Parameters.Contains("rport") && via.Parameters["rport"] is null;
        // RFC 3581 §4: a request asking for rport gets received= even when it matches the sent-by address.
        if (rportAsked || !IPAddress.TryParse(via.Host.Trim('[', ']'), out var viaAddress) || !viaAddress.Equals(remote.Address))
        {
            via.Parameters.Set("received", remote.Address.ToString());
            changed = true;
        }

        if (rportAsked)
        {
            via.Parameters.Set("rport", remote.Port.ToString(CultureInfo.InvariantCulture));
            changed = true;
        }

        if (changed)
        {
            request.Headers.ReplaceFirst(SipHeaderNames.Via, via.ToString());
        }
    }

    public ValueTask DisposeAsync() => channel.DisposeAsync();
}

/// <summary>The transport could not send (the OS refused, or the transport is closed).</summary>
public sealed class SipTransportException(string message, Exception inner) : Exception(message, inner);
