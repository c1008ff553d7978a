using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Cualify.Appliance.Core.ApiKeys;

/// <summary>Key text <c>cuk_live_&lt;prefix8&gt;_&lt;secret32&gt;</c>: generated from a CSPRNG, kept only as a SHA-256.</summary>
public static partial class ApiKeySecret
{
    public const string Prefix = "cuk_live_";
    private const string PrefixAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    private const string SecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static (string Key, string KeyPrefix) Generate()
    {
        var keyPrefix = RandomNumberGenerator.GetString(PrefixAlphabet, 8);
        var secret = RandomNumberGenerator.GetString(SecretAlphabet, 32);
        return ($"{Prefix}{keyPrefix}_{secret}", keyPrefix);
    }

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>Splits presented text into its prefix, or returns null when it is not shaped like a key.</summary>
    public static string? PrefixOf(string presented)
    {
        var match = Shape().Match(presented);
        return match.Success ? match.Groups["prefix"].Value : null;
    }

    public static bool Matches(string presented, byte[] storedHash) =>
        CryptographicOperations.FixedTimeEquals(Hash(presented), storedHash);

    [GeneratedRegex("^cuk_live_(?<prefix>[a-z0-9]{8})_[A-Za-z0-9]{32}$")]
    private static partial Regex Shape();
}
