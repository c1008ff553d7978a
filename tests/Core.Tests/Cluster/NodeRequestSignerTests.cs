using System.Security.Cryptography;
using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Core.Secrets;
using Cualify.Appliance.Core.Store;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.Core.Tests.Cluster;

/// <summary>A node's signature on a request to another node: good for its method and path, a minute either side, under one store's key.</summary>
public sealed class NodeRequestSignerTests
{
    private const string Path = "/_cluster/recordings/org_1/call_1";
    private static readonly byte[] StoreKey = RandomNumberGenerator.GetBytes(32);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-03T10:00:00Z"));

    [Fact]
    public void A_signature_names_its_node_for_its_method_and_path_within_a_minute()
    {
        var sender = Signer("node.eu-1.a", StoreKey);
        var receiver = Signer("node-b", StoreKey);
        var signature = sender.Sign("GET", Path);

        Assert.Equal("node.eu-1.a", receiver.Verify("GET", Path, signature));
        Assert.Null(receiver.Verify("GET", "/_cluster/recordings/org_1/call_2", signature));
        Assert.Null(receiver.Verify("DELETE", Path, signature));
        Assert.Null(receiver.Verify("GET", Path, signature.Replace("node.eu-1.a", "node-c", StringComparison.Ordinal)));
        Assert.Null(receiver.Verify("GET", Path, null));
        Assert.Null(receiver.Verify("GET", Path, "garbage"));

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal("node.eu-1.a", receiver.Verify("GET", Path, signature));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(receiver.Verify("GET", Path, signature));
    }

    [Fact]
    public void A_signature_dated_ahead_or_made_under_another_stores_key_is_refused()
    {
        var receiver = Signer("node-b", StoreKey);
        var stranger = Signer("node-x", RandomNumberGenerator.GetBytes(32)).Sign("GET", Path);
        var fromTheFuture = Signer("node-a", StoreKey, new FakeTimeProvider(_time.GetUtcNow().AddMinutes(2))).Sign("GET", Path);

        Assert.Null(receiver.Verify("GET", Path, stranger));
        Assert.Null(receiver.Verify("GET", Path, fromTheFuture));
        Assert.Null(receiver.Verify("GET", Path, $"99999999999999999999.{fromTheFuture.Split('.')[1]}.node-a"));
    }

    private NodeRequestSigner Signer(string nodeId, byte[] key, TimeProvider? clock = null) => new(new SecretProtector(key),
        new ClusterNode(Options.Create(new ClusterOptions { NodeId = nodeId }), new DataDirectory(System.IO.Path.GetTempPath())), clock ?? _time);
}
