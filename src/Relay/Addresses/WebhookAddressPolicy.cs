using System.Net;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Relay.Addresses;

/// <summary>
/// Which URLs may receive webhooks: <c>https</c>, or plain <c>http</c> to loopback and to the hosts named in
/// <c>Relay:AllowHttpHosts</c>; never a link-local or cloud-metadata address. Checked when a webhook is
/// registered and again before every attempt, where <see cref="GuardedConnector"/> also checks the address
/// each name resolves to.
/// </summary>
public sealed class WebhookAddressPolicy(IOptions<RelayOptions> options, IHostResolver resolver)
{
    private readonly HashSet<string> _httpHosts = new(options.Value.AllowHttpHosts.Select(h => h.Trim().TrimEnd('.')), StringComparer.OrdinalIgnoreCase);

    /// <summary>Parses and checks <paramref name="url"/>; returns why it is refused, or null with the URI.</summary>
    public string? Check(string? url, out Uri? uri)
    {
        uri = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            return "url is required";
        }

        if (url.Length > 2048)
        {
            return "url must be at most 2048 characters";
        }

        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https") || string.IsNullOrEmpty(parsed.Host))
        {
            return "url must be an absolute https:// URL such as https://crm.example.com/cualify-webhook";
        }

        if (!string.IsNullOrEmpty(parsed.UserInfo))
        {
            return "url must not carry a user name or password; authenticate the delivery by its signature";
        }

        if (!string.IsNullOrEmpty(parsed.Fragment))
        {
            return "url must not have a #fragment";
        }

        // Every spelling of a host (a trailing dot, full-width digits or dots, decimal or octal IPv4, an IPv6 form
        // carrying an IPv4 address) is checked as the one destination it reaches.
        if (HostNames.Canonical(parsed.Host, out var literal) is not { } host
            || (parsed.IdnHost != parsed.Host && HostNames.Canonical(parsed.IdnHost, out _) != host))
        {
            return "url has a host that is not a valid name or address";
        }

        if (RefusedAddresses.ForHostName(host) is { } refusedName)
        {
            return $"url is refused: {refusedName}";
        }

        if (literal is not null && RefusedAddresses.ForAddress(literal) is { } refusedAddress)
        {
            return $"url is refused: {refusedAddress}";
        }

        if (parsed.Scheme == "http" && !IsLoopback(host, literal) && !_httpHosts.Contains(host.TrimEnd('.')))
        {
            return $"url must use https; plain http is allowed only to loopback and to hosts listed in Relay:AllowHttpHosts ({host} is not)";
        }

        uri = parsed;
        return null;
    }

    /// <summary>
    /// At registration, also looks the name up: a name that resolves to a refused address is refused now rather
    /// than at every attempt. A name that does not resolve yet is accepted; each attempt checks again.
    /// </summary>
    public async Task<string?> CheckResolvedAsync(Uri uri, CancellationToken cancellationToken)
    {
        if (HostNames.Canonical(uri.IdnHost, out var literal) is not { } host || literal is not null)
        {
            return null;
        }

        IPAddress[] addresses;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            addresses = await resolver.ResolveAsync(host, timeout.Token);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        foreach (var address in addresses)
        {
            if (RefusedAddresses.ForAddress(address) is { } refusal)
            {
                return $"url is refused: {host} resolves to {refusal}";
            }
        }

        return null;
    }

    private static bool IsLoopback(string host, IPAddress? literal) =>
        literal is not null
            ? IPAddress.IsLoopback(literal)
            : host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
}
