using System.Security.Cryptography;
using System.Text;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>
/// Twilio's <c>X-Twilio-Signature</c>: base64 of HMAC-SHA1, keyed with the auth token, over the exact URL Twilio
/// requested followed by every POST parameter's name and value, parameters sorted by name (ordinal, case
/// sensitive), with no separators.
/// </summary>
public static class TwilioSignature
{
    public const string Header = "X-Twilio-Signature";

    public static string Compute(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var text = new StringBuilder(url);
        foreach (var (name, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append(name).Append(value);
        }

        var mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(text.ToString()));
        return Convert.ToBase64String(mac);
    }

    /// <summary>
    /// Whether <paramref name="signature"/> signs <paramref name="url"/> and <paramref name="parameters"/>, compared
    /// in constant time. The URL is also tried with its default port written out or left off, as Twilio may sign
    /// either form. A missing or empty signature is never valid.
    /// </summary>
    public static bool IsValid(string authToken, string url, IReadOnlyCollection<KeyValuePair<string, string>> parameters, string? signature)
    {
        if (string.IsNullOrEmpty(signature) || string.IsNullOrEmpty(authToken))
        {
            return false;
        }

        var presented = Encoding.ASCII.GetBytes(signature);
        var valid = false;
        foreach (var candidate in UrlForms(url))
        {
            var expected = Encoding.ASCII.GetBytes(Compute(authToken, candidate, parameters));
            valid |= CryptographicOperations.FixedTimeEquals(expected, presented);
        }

        return valid;
    }

    private static IEnumerable<string> UrlForms(string url)
    {
        yield return url;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            yield break;
        }

        var builder = new UriBuilder(uri);
        var explicitPort = url.Contains($"{uri.Host}:{uri.Port}", StringComparison.OrdinalIgnoreCase);
        if (explicitPort && uri.IsDefaultPort)
        {
            builder.Port = -1;
            yield return builder.Uri.AbsoluteUri;
        }
        else if (!explicitPort)
        {
            yield return $"{uri.Scheme}://{uri.Authority}:{uri.Port}{uri.PathAndQuery}";
        }
    }
}
