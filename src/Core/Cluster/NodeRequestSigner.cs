using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Cualify.Appliance.Core.Secrets;

namespace Cualify.Appliance.Core.Cluster;

/// <summary>
/// Signs a request one node makes of another (SPEC §9), so the caller's own credentials never travel between nodes
/// and the node asked does not judge them (an IP allowlist would see the asking node's address): the asking node has
/// already checked the caller, and the node asked only checks that a node of this store asked. The header is the
/// sender's node id, the Unix second it signed at, and an HMAC-SHA-256 over method, path, both of those, under a key
/// derived from the install's secret key (the same file on every node). A signature older than
/// <see cref="MaxAge"/>, or dated that far ahead, is refused. The node id goes last, since a configured one may hold dots.
/// </summary>
public sealed class NodeRequestSigner(SecretProtector secrets, ClusterNode node, TimeProvider time)
{
    public const string Header = "X-Cualify-Node-Signature";

    /// <summary>Long enough for the clock skew <c>doctor</c> tolerates between nodes, short enough to make a replay stale.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);

    private readonly Lazy<byte[]> _key = new(() => secrets.DeriveKey("cluster-node-requests v1"));

    /// <summary>The header value for a <paramref name="method"/> request of <paramref name="path"/>, signed now by this node.</summary>
    public string Sign(string method, string path)
    {
        var at = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"{at}.{Mac(method, path, node.Id, at)}.{node.Id}";
    }

    /// <summary>The node that signed <paramref name="header"/> for this method and path, when it is a fresh signature of this store; null otherwise.</summary>
    public string? Verify(string method, string path, string? header)
    {
        var parts = header?.Split('.', 3);
        if (parts is not [var at, var mac, var sender] || sender.Length == 0
            || !long.TryParse(at, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return null;
        }

        var age = time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(Math.Min(seconds, DateTimeOffset.MaxValue.ToUnixTimeSeconds()));
        var expected = Mac(method, path, sender, at);
        return age.Duration() <= MaxAge && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(mac), Encoding.ASCII.GetBytes(expected))
            ? sender
            : null;
    }

    private string Mac(string method, string path, string sender, string at) =>
        Convert.ToBase64String(HMACSHA256.HashData(_key.Value, Encoding.UTF8.GetBytes($"{method}\n{path}\n{sender}\n{at}")))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
