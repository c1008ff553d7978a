using Twilio.Security;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>
/// Twilio's <c>X-Twilio-Signature</c>, checked by the SDK's <see cref="RequestValidator"/> (HMAC-SHA1 keyed with the
/// auth token over the URL and the sorted POST parameters, compared in constant time).
/// </summary>
public static class TwilioSignature
{
    public const string Header = "X-Twilio-Signature";

    /// <summary>Whether <paramref name="signature"/> signs the request; a missing signature or auth token never does.</summary>
    public static bool IsValid(string authToken, string url, IReadOnlyDictionary<string, string> parameters, string? signature)
    {
        if (string.IsNullOrEmpty(signature) || string.IsNullOrEmpty(authToken) || string.IsNullOrEmpty(url))
        {
            return false;
        }

        var fields = parameters as IDictionary<string, string> ?? parameters.ToDictionary(StringComparer.Ordinal);
        var validator = new RequestValidator(authToken);
        return UrlForms(url).Any(form => validator.Validate(form, fields, signature));
    }

    /// <summary>
    /// The URL as given, then with its default port written out or left off: Twilio may sign either form, and the
    /// validator only varies a port that is not the scheme's default.
    /// </summary>
    private static IEnumerable<string> UrlForms(string url)
    {
        yield return url;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !uri.IsDefaultPort)
        {
            yield break;
        }

        yield return url.Contains($"{uri.Host}:{uri.Port}", StringComparison.OrdinalIgnoreCase)
            ? new UriBuilder(uri) { Port = -1 }.Uri.AbsoluteUri
            : $"{uri.Scheme}://{uri.Authority}:{uri.Port}{uri.PathAndQuery}";
    }
}
