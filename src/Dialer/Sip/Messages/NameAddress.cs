using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Cualify.Appliance.Dialer.Sip.Messages;

/// <summary>
/// A <c>To</c>, <c>From</c>, <c>Contact</c>, <c>Route</c> or <c>Record-Route</c> value (RFC 3261 §20.10):
/// <c>"Display" &lt;uri&gt;;params</c>, or a bare URI whose <c>;params</c> then belong to the header.
/// </summary>
public sealed class NameAddress
{
    public NameAddress(string uri, string? displayName = null, SipParameters? parameters = null)
    {
        Uri = uri;
        DisplayName = displayName;
        Parameters = parameters ?? new SipParameters();
    }

    public NameAddress(SipUri uri, string? displayName = null, SipParameters? parameters = null)
        : this(uri.ToString(), displayName, parameters)
    {
    }

    public string? DisplayName { get; }

    /// <summary>The URI as written; <see cref="SipUri"/> gives it parsed when it is a <c>sip:</c> URI.</summary>
    public string Uri { get; }

    public SipUri? SipUri => Messages.SipUri.TryParse(Uri, out var parsed) ? parsed : null;

    public SipParameters Parameters { get; }

    public string? Tag => Parameters["tag"];

    public NameAddress WithTag(string tag) => new(Uri, DisplayName, Parameters.Clone().Set("tag", tag));

    public static bool TryParse(string? text, [NotNullWhen(true)] out NameAddress? address)
    {
        address = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var span = text.Trim();
        string? display = null;
        var i = 0;
        if (span.StartsWith('"'))
        {
            if (!SipText.TryReadQuoted(span, ref i, out var quoted))
            {
                return false;
            }

            display = quoted;
            while (i < span.Length && char.IsWhiteSpace(span[i]))
            {
                i++;
            }

            if (i >= span.Length || span[i] != '<')
            {
                return false;
            }
        }

        var open = span.IndexOf('<', i);
        string uri;
        string rest;
        if (open >= 0)
        {
            var close = span.IndexOf('>', open);
            if (close < 0)
            {
                return false;
            }

            if (display is null && open > 0)
            {
                display = span[..open].Trim();
                if (display.Length == 0)
                {
                    display = null;
                }
            }

            uri = span[(open + 1)..close].Trim();
            rest = span[(close + 1)..];
        }
        else
        {
            if (display is not null)
            {
                return false;
            }

            var semicolon = span.IndexOf(';');
            uri = semicolon >= 0 ? span[..semicolon] : span;
            rest = semicolon >= 0 ? span[semicolon..] : "";
        }

        if (uri.Length == 0 || uri.IndexOf(':') <= 0 || uri.Any(char.IsWhiteSpace))
        {
            return false;
        }

        var parameters = new SipParameters();
        if (!SipText.TryParseParameters(rest, parameters))
        {
            return false;
        }

        address = new NameAddress(uri, display, parameters);
        return true;
    }

    public static NameAddress Parse(string text) =>
        TryParse(text, out var address) ? address : throw new FormatException($"'{text}' is not a name-addr.");

    public override string ToString()
    {
        var builder = CachedStringBuilder.Acquire();
        if (!string.IsNullOrEmpty(DisplayName))
        {
            builder.Append(SipText.Quote(DisplayName)).Append(' ');
        }

        builder.Append('<').Append(Uri).Append('>');
        Parameters.AppendTo(builder);
        return CachedStringBuilder.ToStringAndRelease(builder);
    }
}
