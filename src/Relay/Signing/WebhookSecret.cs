using System.Security.Cryptography;
using System.Text;

namespace Cualify.Appliance.Relay.Signing;

/// <summary>
/// A webhook signing secret. The contract shows it two ways: <see cref="Hex"/>, 64 hex characters (32 random
/// bytes), and <see cref="StandardWebhooks"/>, <c>whsec_</c> + base64 of the UTF-8 bytes of that hex text.
/// Both schemes therefore sign with the same HMAC key: <see cref="Key"/>, the UTF-8 bytes of the hex text
/// (what a Standard Webhooks library gets by base64-decoding the part after <c>whsec_</c>).
/// </summary>
public sealed class WebhookSecret
{
    public const string StandardPrefix = "whsec_";

    private WebhookSecret(string? hex, byte[] key)
    {
        Hex = hex;
        Key = key;
    }

    /// <summary>The 64-hex form; null for a secret that was given only in its <c>whsec_</c> form.</summary>
    public string? Hex { get; }

    /// <summary>The HMAC-SHA256 key of both signature schemes.</summary>
    public byte[] Key { get; }

    public string StandardWebhooks => StandardPrefix + Convert.ToBase64String(Key);

    public static WebhookSecret Generate() => FromHex(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));

    public static WebhookSecret FromHex(string hex)
    {
        if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException("A webhook secret is 64 lower-case hex characters", nameof(hex));
        }

        return new WebhookSecret(hex, Encoding.UTF8.GetBytes(hex));
    }

    /// <summary>Reads a <c>whsec_…</c> secret the way Standard Webhooks libraries do: the key is the base64-decoded rest.</summary>
    public static WebhookSecret FromStandardWebhooks(string secret)
    {
        if (!secret.StartsWith(StandardPrefix, StringComparison.Ordinal))
        {
            throw new ArgumentException("A Standard Webhooks secret starts with whsec_", nameof(secret));
        }

        return new WebhookSecret(null, Convert.FromBase64String(secret[StandardPrefix.Length..]));
    }
}
