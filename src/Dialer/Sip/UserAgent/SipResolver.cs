using System.Net;
using System.Net.Sockets;
using Cualify.Appliance.Dialer.Sip.Messages;

namespace Cualify.Appliance.Dialer.Sip.UserAgent;

/// <summary>
/// Finds where a SIP URI's requests go over UDP (RFC 3263 without NAPTR/SRV: <c>maddr</c> or host, A/AAAA records,
/// port 5060 by default, 5061 for <c>sips:</c> and <c>transport=tls</c>). IP literals need no lookup.
/// </summary>
public sealed class SipResolver(AddressFamily family)
{
    public async Task<IPEndPoint> ResolveAsync(string uri, CancellationToken cancellationToken)
    {
        if (!SipUri.TryParse(uri, out var parsed))
        {
            throw new SipResolveException($"'{uri}' is not a SIP URI we can route to.");
        }

        var secure = parsed.Scheme == "sips" || string.Equals(parsed.Parameters["transport"], "tls", StringComparison.OrdinalIgnoreCase);
        return await ResolveAsync(parsed.Parameters["maddr"] ?? parsed.Host, parsed.Port ?? (secure ? 5061 : 5060), cancellationToken);
    }

    public async Task<IPEndPoint> ResolveAsync(string host, int port, CancellationToken cancellationToken)
    {
        var bare = host.Trim('[', ']');
        if (IPAddress.TryParse(bare, out var literal))
        {
            return new IPEndPoint(literal, port);
        }

        IPAddress[] addresses;
        try
        {
            addresses = await Dns.GetHostAddressesAsync(bare, family, cancellationToken);
        }
        catch (SocketException exception)
        {
            throw new SipResolveException($"Could not resolve {bare}: {exception.SocketErrorCode}.");
        }

        return addresses.Length > 0
            ? new IPEndPoint(addresses[0], port)
            : throw new SipResolveException($"{bare} has no {(family == AddressFamily.InterNetworkV6 ? "AAAA" : "A")} record.");
    }
}

public sealed class SipResolveException(string message) : Exception(message);
