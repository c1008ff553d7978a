using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Text;

namespace Cualify.Appliance.Dialer.Sip.Messages;

/// <summary>A <c>sip:</c> or <c>sips:</c> URI (RFC 3261 §19.1): <c>sip:user@host:port;params?headers</c>.</summary>
public sealed class SipUri
{
    public SipUri(string host, int? port = null, string? user = null, string scheme = "sip")
    {
        Scheme = scheme;
        Host = host;
        Port = port;
        User = user;
    }

    public string Scheme { get; }

    /// <summary>The user part as written (escapes kept), or null.</summary>
    public string? User { get; init; }

    /// <summary>A host name, an IPv4 address or a bracketed IPv6 reference.</summary>
    public string Host { get; }

    public int? Port { get; }

    public SipParameters Parameters { get; init; } = new();

    /// <summary>The <c>?headers</c> part without the question mark, or null.</summary>
    public string? Headers { get; init; }

    /// <summary>True when routing through this URI is loose routing (RFC 3261 §16.12.1.1, the <c>lr</c> parameter).</summary>
    public bool IsLooseRouter => Parameters.Contains("lr");

    public static bool TryParse(string? text, [NotNullWhen(true)] out SipUri? uri)
    {
        uri = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        var colon = text.IndexOf(':');
        if (colon <= 0)
        {
            return false;
        }

        var scheme = text[..colon].ToLowerInvariant();
        if (scheme is not ("sip" or "sips"))
        {
            return false;
        }

        var rest = text[(colon + 1)..];
        string? headers = null;
        var question = rest.IndexOf('?');
        if (question >= 0)
        {
            headers = rest[(question + 1)..];
            rest = rest[..question];
        }

        string? user = null;
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            user = rest[..at];
            rest = rest[(at + 1)..];
            if (user.Length == 0 || user.Any(char.IsWhiteSpace))
            {
                return false;
            }
        }

        var semicolon = rest.IndexOf(';');
        var hostPort = semicolon >= 0 ? rest[..semicolon] : rest;
        var parameters = new SipParameters();
        if (semicolon >= 0 && !SipText.TryParseParameters(rest.AsSpan(semicolon), parameters))
        {
            return false;
        }

        if (!TryParseHostPort(hostPort, out var host, out var port))
        {
            return false;
        }

        uri = new SipUri(host, port, user, scheme) { Parameters = parameters, Headers = headers };
        return true;
    }

    public static SipUri Parse(string text) =>
        TryParse(text, out var uri) ? uri : throw new FormatException($"'{text}' is not a SIP URI.");

    /// <summary>Parses <c>host[:port]</c> where host may be a bracketed IPv6 address.</summary>
    public static bool TryParseHostPort(string text, out string host, out int? port)
    {
        host = "";
        port = null;
        string portText;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0 || !IPAddress.TryParse(text[1..close], out _))
            {
                return false;
            }

            host = text[..(close + 1)];
            portText = text[(close + 1)..];
            if (portText.Length > 0 && portText[0] != ':')
            {
                return false;
            }

            portText = portText.Length > 0 ? portText[1..] : "";
        }
        else
        {
            var colon = text.IndexOf(':');
            host = colon >= 0 ? text[..colon] : text;
            portText = colon >= 0 ? text[(colon + 1)..] : "";
            if (host.Length == 0 || !host.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
            {
                return false;
            }
        }

        if (text.EndsWith(':') && portText.Length == 0)
        {
            return false;
        }

        if (portText.Length > 0)
        {
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value is < 1 or > 65535)
            {
                return false;
            }

            port = value;
        }

        return true;
    }

    public SipUri WithoutParameters(params string[] names)
    {
        var parameters = Parameters.Clone();
        foreach (var name in names)
        {
            parameters.Remove(name);
        }

        return new SipUri(Host, Port, User, Scheme) { Parameters = parameters, Headers = Headers };
    }

    public override string ToString()
    {
        var builder = CachedStringBuilder.Acquire().Append(Scheme).Append(':');
        if (User is not null)
        {
            builder.Append(User).Append('@');
        }

        builder.Append(Host);
        if (Port is { } port)
        {
            builder.Append(':').Append(port.ToString(CultureInfo.InvariantCulture));
        }

        Parameters.AppendTo(builder);
        if (Headers is not null)
        {
            builder.Append('?').Append(Headers);
        }

        return CachedStringBuilder.ToStringAndRelease(builder);
    }
}
