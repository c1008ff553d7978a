using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Cualify.Appliance.Dialer.Sip.Messages;

/// <summary>One <c>Via</c> entry (RFC 3261 §20.42, RFC 3581 <c>rport</c>): <c>SIP/2.0/UDP host:port;branch=…</c>.</summary>
public sealed class Via
{
    /// <summary>The RFC 3261 branch prefix that marks a branch as unique per transaction.</summary>
    public const string MagicCookie = "z9hG4bK";

    public Via(string transport, string host, int? port, SipParameters? parameters = null)
    {
        Transport = transport.ToUpperInvariant();
        Host = host;
        Port = port;
        Parameters = parameters ?? new SipParameters();
    }

    public string Transport { get; }

    public string Host { get; }

    public int? Port { get; }

    public SipParameters Parameters { get; }

    public string? Branch => Parameters["branch"];

    public string? Received => Parameters["received"];

    /// <summary>The <c>rport</c> value when the peer filled it in (RFC 3581).</summary>
    public int? ReceivedPort =>
        int.TryParse(Parameters["rport"], NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : null;

    public string SentBy => Port is { } port ? $"{Host}:{port.ToString(CultureInfo.InvariantCulture)}" : Host;

    public static bool TryParse(string? text, [NotNullWhen(true)] out Via? via)
    {
        via = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        // sent-protocol: "SIP" SLASH "2.0" SLASH transport, with optional whitespace around the slashes.
        var span = text.AsSpan().Trim();
        var parts = new string[3];
        var i = 0;
        for (var part = 0; part < 3; part++)
        {
            while (i < span.Length && char.IsWhiteSpace(span[i]))
            {
                i++;
            }

            var start = i;
            while (i < span.Length && SipText.IsTokenChar(span[i]))
            {
                i++;
            }

            parts[part] = span[start..i].ToString();
            while (i < span.Length && char.IsWhiteSpace(span[i]))
            {
                i++;
            }

            if (part < 2)
            {
                if (i >= span.Length || span[i] != '/')
                {
                    return false;
                }

                i++;
            }
        }

        if (!parts[0].Equals("SIP", StringComparison.OrdinalIgnoreCase) || parts[1] != "2.0" || parts[2].Length == 0)
        {
            return false;
        }

        var rest = span[i..].ToString();
        var semicolon = rest.IndexOf(';');
        var hostPort = (semicolon >= 0 ? rest[..semicolon] : rest).Trim();
        var parameters = new SipParameters();
        if (semicolon >= 0 && !SipText.TryParseParameters(rest.AsSpan(semicolon), parameters))
        {
            return false;
        }

        if (!SipUri.TryParseHostPort(hostPort, out var host, out var port))
        {
            return false;
        }

        via = new Via(parts[2], host, port, parameters);
        return true;
    }

    public static Via Parse(string text) => TryParse(text, out var via) ? via : throw new FormatException($"'{text}' is not a Via.");

    public override string ToString()
    {
        var builder = CachedStringBuilder.Acquire().Append("SIP/2.0/").Append(Transport).Append(' ').Append(SentBy);
        Parameters.AppendTo(builder);
        return CachedStringBuilder.ToStringAndRelease(builder);
    }
}
