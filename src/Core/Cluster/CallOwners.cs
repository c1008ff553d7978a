using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Store;
using Dapper;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Core.Cluster;

/// <summary>Another live node, as <c>nodes</c> records it: its id and the address it published (null when it set none).</summary>
public sealed record PeerNode(string Id, string? Url);

/// <summary>Which node dials a live call, when that is another node still heartbeating (SPEC §9).</summary>
public sealed class CallOwners(ApplianceStore store, ClusterNode node, IOptions<ClusterOptions> options, TimeProvider time)
{
    /// <summary>
    /// The node dialing <paramref name="callId"/>, when the call is live, that node is not this one and it beat within
    /// <see cref="ClusterOptions.NodeTimeout"/>; null otherwise (a silent node's calls are settled by the recovery).
    /// </summary>
    public async Task<PeerNode?> OtherLiveOwnerAsync(string callId, CancellationToken cancellationToken = default)
    {
        if (!store.IsPostgres)
        {
            return null;
        }

        var cutoff = time.GetUtcNow() - options.Value.NodeTimeout;
        return await store.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<PeerNode>(new CommandDefinition("""
            SELECT n.id, n.url FROM calls c JOIN nodes n ON n.id = c.node_id
            WHERE c.id = @callId AND c.status IN @Live AND n.id <> @self AND n.heartbeat_at >= @cutoff
            """, new { callId, CallStatus.Live, self = node.Id, cutoff }, cancellationToken: cancellationToken)), cancellationToken);
    }
}
