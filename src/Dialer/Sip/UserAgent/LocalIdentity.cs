using System.Globalization;
using Cualify.Appliance.Dialer.Sip.Messages;

namespace Cualify.Appliance.Dialer.Sip.UserAgent;

/// <summary>How this user agent names itself on the wire: the advertised address for Via, Contact and SDP.</summary>
/// <param name="Host">The advertised address (a public address when configured, else the local one).</param>
public sealed record LocalIdentity(string Host, int Port, string Transport, string UserAgent)
{
    /// <summary>A top Via with a fresh branch and <c>rport</c> (RFC 3581), so responses return to our source port.</summary>
    public Via NewVia() => new(Transport, Host.Contains(':') ? "[" + Host + "]" : Host, Port, new SipParameters().Set("branch", SipIds.Branch()).Set("rport", null));

    public string Contact(string user) =>
        string.Create(CultureInfo.InvariantCulture, $"<sip:{user}@{(Host.Contains(':') ? "[" + Host + "]" : Host)}:{Port}{UriTransport}>");

    /// <summary>The <c>;transport=</c> parameter URIs carry over TCP and TLS (nothing over UDP, the default).</summary>
    public string UriTransport => Transport == "UDP" ? "" : ";transport=" + Transport.ToLowerInvariant();
}
