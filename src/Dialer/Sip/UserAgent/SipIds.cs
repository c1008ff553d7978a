using System.Security.Cryptography;
using Cualify.Appliance.Dialer.Sip.Messages;

namespace Cualify.Appliance.Dialer.Sip.UserAgent;

/// <summary>Unguessable identifiers (RFC 3261 §8.1.1.4, §19.3): Call-IDs, tags, branches, cnonces.</summary>
public static class SipIds
{
    public static string Branch() => Via.MagicCookie + Random(10);

    public static string Tag() => Random(8);

    public static string CallId(string host) => Random(16) + "@" + host;

    private static string Random(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));
}
