using System.Net;
using Microsoft.AspNetCore.Http;

namespace Cualify.Appliance.OperatorConsole.Sessions;

/// <summary>
/// Plain http is accepted only when the browser is on this machine (the key then never crosses a network) or
/// when <c>Console:AllowPlainHttp</c> says a TLS front end or a trusted network makes it safe.
/// </summary>
public static class TransportPolicy
{
    public static bool Allows(HttpContext context, ConsoleOptions options) =>
        context.Request.IsHttps || options.AllowPlainHttp || IsLoopback(context.Connection.RemoteIpAddress);

    private static bool IsLoopback(IPAddress? address) => address is not null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
}
