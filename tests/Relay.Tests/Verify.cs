using System.Security.Cryptography;
using System.Text;

namespace Cualify.Appliance.Relay.Tests;

/// <summary>
/// An independent webhook verifier, written from the two specifications (the seed's hex HMAC and Standard
/// Webhooks), not calling any production signing code: what a receiver would run.
/// </summary>
public static class Verify
{
    /// <summary>The seed's scheme: hex HMAC-SHA256 of the raw body, keyed with the UTF-8 bytes of the 64-hex secret.</summary>
    public static bool CualifySignature(string hexSecret, string body, string header)
    {
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(hexSecret));
        var expected = hmac.ComputeHash(Encoding.UTF8.GetBytes(body));
        var presented = header.Length == 64 ? Convert.FromHexString(header) : [];
        return CryptographicOperations.FixedTimeEquals(expected, presented);
    }

    /// <summary>
    /// Standard Webhooks: the key is the base64-decoded part after <c>whsec_</c>; the signed content is
    /// <c>{webhook-id}.{webhook-timestamp}.{body}</c>; the header holds space-separated <c>v1,&lt;base64&gt;</c> entries,
    /// any of which may match.
    /// </summary>
    public static bool StandardSignature(string whsecSecret, string id, string timestamp, string body, string header)
    {
        Assert.StartsWith("whsec_", whsecSecret);
        var key = Convert.FromBase64String(whsecSecret["whsec_".Length..]);
        using var hmac = new HMACSHA256(key);
        var expected = hmac.ComputeHash(Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}"));
        foreach (var entry in header.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var comma = entry.IndexOf(',');
            if (comma < 0 || entry[..comma] != "v1")
            {
                continue;
            }

            byte[] presented;
            try
            {
                presented = Convert.FromBase64String(entry[(comma + 1)..]);
            }
            catch (FormatException)
            {
                continue;
            }

            if (CryptographicOperations.FixedTimeEquals(expected, presented))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Both schemes on one received request.</summary>
    public static void Delivery(ReceivedRequest request, string hexSecret, string whsecSecret)
    {
        Assert.True(CualifySignature(hexSecret, request.Body, request.Header("x-cualify-signature")), "X-Cualify-Signature does not verify");
        Assert.True(StandardSignature(whsecSecret, request.Header("webhook-id"), request.Header("webhook-timestamp"), request.Body, request.Header("webhook-signature")),
            "webhook-signature does not verify");
        Assert.Equal(request.EventId, request.Header("webhook-id"));
    }
}
