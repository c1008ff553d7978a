using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Cualify.Appliance.Relay.Signing;

/// <summary>The signature headers of one delivery attempt.</summary>
public sealed record SignatureHeaders(string CualifySignature, string? PreviousCualifySignature, string WebhookId, string WebhookTimestamp, string WebhookSignature);

/// <summary>
/// Signs delivery bodies with both schemes of the contract:
/// <list type="bullet">
/// <item><c>X-Cualify-Signature</c>: lower-case hex HMAC-SHA256 of the raw body (the seed's scheme);</item>
/// <item>Standard Webhooks: <c>webhook-signature</c> = <c>v1,</c> + base64 HMAC-SHA256 of <c>{id}.{timestamp}.{body}</c>,
/// one per secret, space-separated while an old secret is inside its rotation grace.</item>
/// </list>
/// </summary>
public static class WebhookSigner
{
    public const string CualifySignatureHeader = "X-Cualify-Signature";
    public const string PreviousCualifySignatureHeader = "X-Cualify-Signature-Previous";
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    public static string HexSignature(byte[] key, ReadOnlySpan<byte> body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, body));

    /// <summary><c>v1,&lt;base64&gt;</c> over <c>{messageId}.{timestamp}.{body}</c>.</summary>
    public static string StandardSignature(byte[] key, string messageId, long timestamp, ReadOnlySpan<byte> body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(Encoding.UTF8.GetBytes($"{messageId}.{timestamp.ToString(CultureInfo.InvariantCulture)}."));
        hmac.AppendData(body);
        return "v1," + Convert.ToBase64String(hmac.GetHashAndReset());
    }

    /// <param name="current">The endpoint's secret.</param>
    /// <param name="previous">The secret it replaced, while inside its rotation grace; null otherwise.</param>
    public static SignatureHeaders Sign(string eventId, DateTimeOffset attemptAt, ReadOnlySpan<byte> body, WebhookSecret current, WebhookSecret? previous)
    {
        var timestamp = attemptAt.ToUnixTimeSeconds();
        var standard = StandardSignature(current.Key, eventId, timestamp, body);
        if (previous is not null)
        {
            standard += " " + StandardSignature(previous.Key, eventId, timestamp, body);
        }

        return new SignatureHeaders(
            HexSignature(current.Key, body),
            previous is null ? null : HexSignature(previous.Key, body),
            eventId,
            timestamp.ToString(CultureInfo.InvariantCulture),
            standard);
    }
}
