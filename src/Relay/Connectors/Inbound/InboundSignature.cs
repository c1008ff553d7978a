using System.Security.Cryptography;
using System.Text;

namespace Cualify.Appliance.Relay.Connectors.Inbound;

/// <summary>
/// HubSpot's v3 request signature: base64 HMAC-SHA256, keyed with the app secret, over
/// <c>method + URI + body + X-HubSpot-Request-Timestamp</c> (UTF-8), where the URI is the one HubSpot called with
/// the characters HubSpot lists decoded, and the timestamp (unix milliseconds) at most 5 minutes old. Compared in
/// constant time. Also the shared-secret header that HubSpot's workflow "API key" option and Zoho's webhooks send.
/// </summary>
public static class InboundSignature
{
    public const string SignatureHeader = "X-HubSpot-Signature-v3";
    public const string TimestampHeader = "X-HubSpot-Request-Timestamp";
    public const string SecretHeader = "X-Cualify-Connector-Secret";
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    // The escapes HubSpot decodes before signing (its request-validation guide); everything else stays as sent.
    private static readonly (string Escape, string Character)[] Decoded =
    [
        ("%3A", ":"), ("%2F", "/"), ("%3F", "?"), ("%40", "@"), ("%21", "!"), ("%24", "$"), ("%27", "'"), ("%28", "("), ("%29", ")"), ("%2A", "*"), ("%2C", ","), ("%3B", ";"),
    ];

    /// <returns>null when valid, else why not (for the inbound log).</returns>
    public static string? CheckHubSpot(string appSecret, string method, string uri, byte[] body, string? timestamp, string? signature, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(signature) || string.IsNullOrEmpty(timestamp))
        {
            return $"{SignatureHeader} and {TimestampHeader} are both required";
        }

        if (!long.TryParse(timestamp, out var millis))
        {
            return $"{TimestampHeader} is not unix milliseconds";
        }

        var age = now - DateTimeOffset.FromUnixTimeMilliseconds(millis);
        if (age > MaxAge || age < -MaxAge)
        {
            return "the request timestamp is more than 5 minutes from now (a replay or a wrong clock)";
        }

        var expected = Sign(appSecret, method, uri, body, timestamp);
        var given = Encoding.ASCII.GetBytes(signature.Trim());
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), given) ? null : "the signature does not match the request";
    }

    /// <summary>The v3 signature of a request, as HubSpot computes it.</summary>
    public static string Sign(string appSecret, string method, string uri, byte[] body, string timestamp)
    {
        var source = new List<byte>();
        source.AddRange(Encoding.UTF8.GetBytes(method.ToUpperInvariant() + DecodeUri(uri)));
        source.AddRange(body);
        source.AddRange(Encoding.UTF8.GetBytes(timestamp));
        return Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), source.ToArray()));
    }

    public static bool SecretMatches(string inboundSecret, string? given) =>
        !string.IsNullOrEmpty(given)
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(inboundSecret)), SHA256.HashData(Encoding.UTF8.GetBytes(given.Trim())));

    public static string DecodeUri(string uri)
    {
        var decoded = new StringBuilder(uri);
        foreach (var (escape, character) in Decoded)
        {
            decoded.Replace(escape, character).Replace(escape.ToLowerInvariant(), character);
        }

        return decoded.ToString();
    }
}
