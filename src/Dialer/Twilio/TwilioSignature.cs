using Twilio.Security;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>
/// Twilio's <c>X-Twilio-Signature</c>, checked by the SDK's <see cref="RequestValidator"/> (HMAC-SHA1 keyed with the
/// auth token over the URL and the sorted POST parameters, compared in constant time, the URL tried with and
/// without its default port).
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
        return new RequestValidator(authToken).Validate(url, fields, signature);
    }
}
