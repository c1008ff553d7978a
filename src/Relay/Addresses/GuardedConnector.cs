using System.Net;
using System.Net.Http;
using System.Net.Sockets;

namespace Cualify.Appliance.Relay.Addresses;

/// <summary>A connection attempt refused because of where it would have gone.</summary>
public sealed class AddressRefusedException(string message) : IOException(message);

/// <summary>
/// The <see cref="SocketsHttpHandler.ConnectCallback"/> of the webhook client: resolves the host itself and
/// connects only to addresses <see cref="RefusedAddresses"/> allows, so a name that resolves (or is rebound)
/// to a link-local or metadata address is refused at the moment of sending, not just at registration.
/// </summary>
public sealed class GuardedConnector(IHostResolver resolver)
{
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var port = context.DnsEndPoint.Port;
        var host = HostNames.Canonical(context.DnsEndPoint.Host, out var literal)
                   ?? throw new AddressRefusedException($"refused: {context.DnsEndPoint.Host} is not a valid name or address");
        if (RefusedAddresses.ForHostName(host) is { } refusedName)
        {
            throw new AddressRefusedException($"refused: {refusedName}");
        }

        var addresses = literal is not null ? [literal] : await resolver.ResolveAsync(host, cancellationToken);
        var allowed = new List<IPAddress>(addresses.Length);
        string? refusal = null;
        foreach (var address in addresses)
        {
            if (RefusedAddresses.ForAddress(address) is { } reason)
            {
                refusal ??= reason;
            }
            else
            {
                allowed.Add(address);
            }
        }

        if (allowed.Count == 0)
        {
            throw new AddressRefusedException(refusal is null ? $"{host} has no address" : $"refused: {host} resolves to {refusal}");
        }

        SocketException? last = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }
}
