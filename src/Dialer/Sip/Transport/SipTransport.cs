using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Cualify.Appliance.Dialer.Sip.Messages;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Sip.Transport;

/// <summary>
/// The SIP transport layer (RFC 3261 §18) over one datagram channel and, optionally, stream connections (TCP or
/// TLS): serialises outgoing messages, parses incoming ones, stamps <c>received</c>/<c>rport</c> on requests, and
/// hands well-formed messages to the transactions. A message goes over the streams when its top Via names a stream
/// transport; with <c>udp</c> configured, a request over <see cref="MaxUdpRequest"/> bytes moves to TCP when the
/// destination takes a TCP connection (§18.1.1). Malformed input is dropped and counted; nothing thrown above
/// escapes the receive loops.
/// </summary>
public sealed class SipTransport(IDatagramChannel channel, ILogger logger, SipStreamConnections? streams = null, bool streamsFirst = false)
    : IAsyncDisposable
{
    /// <summary>RFC 3261 §18.1.1: a larger request with an unknown path MTU goes over a congestion-controlled transport.</summary>
    public const int MaxUdpRequest = 1300;

    public SipTransportCounters Counters { get; } = new();

    public IPEndPoint LocalEndPoint => channel.LocalEndPoint;

    /// <summary>The configured transport's Via token: <c>UDP</c>, <c>TCP</c> or <c>TLS</c>.</summary>
    public string Protocol => streamsFirst && streams is not null ? streams.Protocol : "UDP";

    /// <summary>The TCP/TLS connections (null when there are none).</summary>
    public SipStreamConnections? Streams => streams;

    /// <summary>Serialises <paramref name="request"/> for <paramref name="destination"/> and says whether it goes over a stream.</summary>
    public (byte[] Bytes, bool OverStream) Frame(SipRequest request, IPEndPoint destination)
    {
        var bytes = request.ToBytes();
        if (IsStream(request.TopVia))
        {
            return (bytes, true);
        }

        if (bytes.Length <= MaxUdpRequest || streams is null || request.TopVia is not { } via || !Reaches(destination))
        {
            return (bytes, false);
        }

        request.Headers.ReplaceFirst(SipHeaderNames.Via, new Via(streams.Protocol, via.Host, via.Port, via.Parameters).ToString());
        return (request.ToBytes(), true);
    }

    /// <summary>Whether a message with this top Via travels over the streams (TCP or TLS) rather than UDP.</summary>
    public bool IsStream(Via? via) =>
        streams is not null && via is not null && !string.Equals(via.Transport, "UDP", StringComparison.OrdinalIgnoreCase);

    /// <summary>Sends <paramref name="message"/> the way its top Via says; failures surface as <see cref="SipTransportException"/>.</summary>
    public void Send(SipMessage message, IPEndPoint remote) => Send(message.ToBytes(), remote, IsStream(message.TopVia));

    /// <summary>Sends over the configured transport.</summary>
    public void Send(ReadOnlySpan<byte> bytes, IPEndPoint remote) => Send(bytes, remote, streamsFirst && streams is not null);

    public void Send(ReadOnlySpan<byte> bytes, IPEndPoint remote, bool overStream)
    {
        try
        {
            if (overStream && streams is not null)
            {
                streams.Send(bytes, remote);
            }
            else
            {
                channel.Send(bytes, remote);
            }

            Counters.CountSent();
        }
        catch (SipTransportException)
        {
            Counters.CountSendFailure();
            throw;
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

    private bool Reaches(IPEndPoint destination)
    {
        try
        {
            streams!.Connection(destination);
            return true;
        }
        catch (SipTransportException)
        {
            return false;
        }
    }

    public Task RunAsync(ISipMessageSink sink, CancellationToken cancellationToken)
    {
        DatagramHandler handler = (bytes, remote) => Receive(bytes, remote, sink);
        return streams is null
            ? channel.RunAsync(handler, cancellationToken)
            : Task.WhenAll(channel.RunAsync(handler, cancellationToken), streams.RunAsync(handler, cancellationToken));
    }

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
        // §18.2.2: over a stream the response goes back on the connection the request came in on.
        if (via is null || via.Parameters.Contains("rport") || !string.Equals(via.Transport, "UDP", StringComparison.OrdinalIgnoreCase))
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

    public async ValueTask DisposeAsync()
    {
        if (streams is not null)
        {
            await streams.DisposeAsync();
        }

        await channel.DisposeAsync();
    }
}

/// <summary>
/// The transport could not send (the OS refused, the transport is closed, the connection could not be made).
/// <see cref="TlsFailed"/>: the trunk's certificate was refused, so nothing was sent.
/// </summary>
public sealed class SipTransportException(string message, Exception? inner = null, bool tlsFailed = false) : Exception(message, inner)
{
    public bool TlsFailed { get; } = tlsFailed;
}
