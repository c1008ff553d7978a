using System.Security.Cryptography;
using System.Text;

namespace Cualify.Appliance.Dialer.Sip.Auth;

/// <summary>The digest algorithms we compute (RFC 7616 §3.2): MD5 and SHA-256, each with a <c>-sess</c> variant.</summary>
public static class DigestHash
{
    public static bool Supports(string algorithm) => Base(algorithm) is "MD5" or "SHA-256";

    /// <summary>Preference when a peer offers several challenges: SHA-256 first (RFC 8760 §2.4).</summary>
    public static int Strength(string algorithm) => Base(algorithm) switch
    {
        "SHA-256" => 2,
        "MD5" => 1,
        _ => 0,
    };

    public static bool IsSession(string algorithm) => algorithm.EndsWith("-sess", StringComparison.OrdinalIgnoreCase);

    /// <summary>Lower-case hex of the hash of the UTF-8 bytes of <paramref name="input"/>.</summary>
    public static string Hex(string algorithm, string input)
    {
        var bytes = Encoding.UTF8.GetBytes(input);
        var hash = Base(algorithm) switch
        {
            "MD5" => MD5.HashData(bytes),
            "SHA-256" => SHA256.HashData(bytes),
            _ => throw new NotSupportedException($"Digest algorithm {algorithm} is not supported."),
        };
        return Convert.ToHexStringLower(hash);
    }

    private static string Base(string algorithm)
    {
        var upper = algorithm.ToUpperInvariant();
        return upper.EndsWith("-SESS", StringComparison.Ordinal) ? upper[..^5] : upper;
    }
}
