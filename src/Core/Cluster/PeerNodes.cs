using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Store;
using Dapper;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Core.Cluster;

/// <summary>Another live node, as <c>nodes</c> records it: its id and the address it published (null when it set none).</summary>
public sealed record PeerNode(string Id, string? Url)
{
    /// <summary>The published address when it is an http(s) one; requests are passed on only to such an address.</summary>
    public Uri? Base => Uri.TryCreate(Url, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" ? url : null;
}

/// <summary>The other nodes still heartbeating (SPEC §9): which of them dials a call or holds a file.</summary>
public sealed class PeerNodes(ApplianceStore store, ClusterNode node, IOptions<ClusterOptions> options, TimeProvider time)
{
    /// <summary>Marks a request one node passed on to another, which answers it itself; its value is the sender's node id.</summary>
    public const string ForwardedHeader = "X-Cualify-Forwarded-By";

    /// <summary>
    /// The node dialing <paramref name="callId"/>, when the call is live, that node is not this one and it beat within
    /// <see cref="ClusterOptions.NodeTimeout"/>; null otherwise (a silent node's calls are settled by the recovery).
    /// </summary>
    public Task<PeerNode?> OwnerOfLiveCallAsync(string callId, CancellationToken cancellationToken = default) => FindAsync("""
        SELECT n.id, n.url FROM calls c JOIN nodes n ON n.id = c.node_id
        WHERE c.id = @key AND c.status IN @Live AND n.id <> @Id AND n.heartbeat_at >= @Cutoff
        """, self => new { key = callId, CallStatus.Live, self.Id, self.Cutoff }, cancellationToken);

    /// <summary>Node <paramref name="nodeId"/>, when it is another node that beat within <see cref="ClusterOptions.NodeTimeout"/>.</summary>
    public Task<PeerNode?> LiveAsync(string nodeId, CancellationToken cancellationToken = default) => FindAsync(
        "SELECT id, url FROM nodes WHERE id = @key AND id <> @Id AND heartbeat_at >= @Cutoff", self => new { key = nodeId, self.Id, self.Cutoff }, cancellationToken);

    /// <summary>Runs <paramref name="sql"/> with this node's id and the oldest heartbeat still live; SQLite has no other nodes.</summary>
    private async Task<PeerNode?> FindAsync(string sql, Func<(string Id, DateTimeOffset Cutoff), object> parameters, CancellationToken cancellationToken)
    {
        if (!store.IsPostgres)
        {
            return null;
        }

        var self = (node.Id, time.GetUtcNow() - options.Value.NodeTimeout);
        return await store.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<PeerNode>(new CommandDefinition(
            sql, parameters(self), cancellationToken: cancellationToken)), cancellationToken);
    }
}
