using System.Diagnostics.CodeAnalysis;
using Cualify.Appliance.Dialer.Sip.Messages;

namespace Cualify.Appliance.Dialer.Sip.Auth;

/// <summary>A <c>WWW-Authenticate</c> / <c>Proxy-Authenticate</c> Digest challenge (RFC 2617 §3.2.1, RFC 7616 §3.3).</summary>
public sealed class DigestChallenge
{
    public required string Realm { get; init; }

    public required string Nonce { get; init; }

    public string? Opaque { get; init; }

    /// <summary>As sent, e.g. <c>MD5</c>, <c>SHA-256</c>, <c>MD5-sess</c>; MD5 when absent.</summary>
    public string Algorithm { get; init; } = "MD5";

    /// <summary>The offered qop values (<c>auth</c>, <c>auth-int</c>); empty for RFC 2069 style challenges.</summary>
    public IReadOnlyList<string> Qop { get; init; } = [];

    public bool Stale { get; init; }

    public bool UserHash { get; init; }

    public bool IsSupported => DigestHash.Supports(Algorithm);

    public static bool TryParse(string? header, [NotNullWhen(true)] out DigestChallenge? challenge)
    {
        challenge = null;
        if (header is null)
        {
            return false;
        }

        var text = header.Trim();
        var space = text.IndexOf(' ');
        if (space <= 0 || !text[..space].Equals("Digest", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var values = ParseAuthParams(text[(space + 1)..]);
        if (values is null || !values.TryGetValue("realm", out var realm) || !values.TryGetValue("nonce", out var nonce))
        {
            return false;
        }

        challenge = new DigestChallenge
        {
            Realm = realm,
            Nonce = nonce,
            Opaque = values.GetValueOrDefault("opaque"),
            Algorithm = values.GetValueOrDefault("algorithm") ?? "MD5",
            Qop = (values.GetValueOrDefault("qop") ?? "")
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Stale = string.Equals(values.GetValueOrDefault("stale"), "true", StringComparison.OrdinalIgnoreCase),
            UserHash = string.Equals(values.GetValueOrDefault("userhash"), "true", StringComparison.OrdinalIgnoreCase),
        };
        return true;
    }

    /// <summary>Reads <c>name=token</c> / <c>name="quoted"</c> pairs separated by commas; null when malformed.</summary>
    internal static Dictionary<string, string>? ParseAuthParams(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && (char.IsWhiteSpace(text[i]) || text[i] == ','))
            {
                i++;
            }

            if (i >= text.Length)
            {
                break;
            }

            var equals = text.IndexOf('=', i);
            if (equals < 0)
            {
                return null;
            }

            var name = text[i..equals].Trim();
            i = equals + 1;
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            string value;
            if (i < text.Length && text[i] == '"')
            {
                if (!SipText.TryReadQuoted(text, ref i, out value))
                {
                    return null;
                }
            }
            else
            {
                var end = text.IndexOf(',', i);
                end = end < 0 ? text.Length : end;
                value = text[i..end].Trim();
                i = end;
            }

            if (!SipText.IsToken(name))
            {
                return null;
            }

            values[name] = value;
        }

        return values;
    }
}
