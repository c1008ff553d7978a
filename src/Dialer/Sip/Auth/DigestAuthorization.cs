using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Cualify.Appliance.Dialer.Sip.Auth;

/// <summary>
/// Answers a Digest challenge (RFC 2617 §3.2.2, RFC 7616 §3.4, RFC 3261 §22.4): the <c>response</c> value and the
/// <c>Authorization</c> / <c>Proxy-Authorization</c> header. The password never leaves this class.
/// </summary>
public static class DigestAuthorization
{
    /// <summary>
    /// The request-digest: H(HA1:nonce:nc:cnonce:qop:HA2) with qop, H(HA1:nonce:HA2) without.
    /// HA1 = H(user:realm:password) (then H(HA1:nonce:cnonce) for <c>-sess</c>); HA2 = H(method:uri), plus
    /// <c>:H(body)</c> for <c>auth-int</c>.
    /// </summary>
    public static string Response(
        string algorithm, string username, string realm, string password, string nonce,
        string method, string uri, string? qop, string? cnonce, string? nonceCount, ReadOnlySpan<byte> body = default)
    {
        var ha1 = DigestHash.Hex(algorithm, $"{username}:{realm}:{password}");
        if (DigestHash.IsSession(algorithm))
        {
            ha1 = DigestHash.Hex(algorithm, $"{ha1}:{nonce}:{cnonce}");
        }

        var a2 = qop == "auth-int"
            ? $"{method}:{uri}:{DigestHash.Hex(algorithm, Encoding.UTF8.GetString(body))}"
            : $"{method}:{uri}";
        var ha2 = DigestHash.Hex(algorithm, a2);
        return qop is null
            ? DigestHash.Hex(algorithm, $"{ha1}:{nonce}:{ha2}")
            : DigestHash.Hex(algorithm, $"{ha1}:{nonce}:{nonceCount}:{cnonce}:{qop}:{ha2}");
    }

    /// <summary>The header value answering <paramref name="challenge"/> for a request with <paramref name="method"/> and <paramref name="uri"/>.</summary>
    public static string Header(
        DigestChallenge challenge, string username, string password, string method, string uri,
        int nonceCount = 1, string? cnonce = null, ReadOnlySpan<byte> body = default)
    {
        var qop = challenge.Qop.Contains("auth") ? "auth" : challenge.Qop.Contains("auth-int") ? "auth-int" : null;
        cnonce ??= Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var nc = nonceCount.ToString("x8", CultureInfo.InvariantCulture);
        var response = Response(challenge.Algorithm, username, challenge.Realm, password, challenge.Nonce, method, uri, qop, cnonce, nc, body);
        var user = challenge.UserHash ? DigestHash.Hex(challenge.Algorithm, $"{username}:{challenge.Realm}") : username;

        var header = new StringBuilder("Digest ");
        header.Append("username=\"").Append(user).Append("\", realm=\"").Append(challenge.Realm)
            .Append("\", nonce=\"").Append(challenge.Nonce).Append("\", uri=\"").Append(uri)
            .Append("\", response=\"").Append(response).Append("\", algorithm=").Append(challenge.Algorithm);
        if (challenge.Opaque is not null)
        {
            header.Append(", opaque=\"").Append(challenge.Opaque).Append('"');
        }

        if (qop is not null)
        {
            header.Append(", qop=").Append(qop).Append(", nc=").Append(nc).Append(", cnonce=\"").Append(cnonce).Append('"');
        }

        if (challenge.UserHash)
        {
            header.Append(", userhash=true");
        }

        return header.ToString();
    }
}
