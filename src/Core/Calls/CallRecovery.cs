using Cualify.Appliance.Core.Credits;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Calls;

/// <summary>
/// At start-up, before anything is dialed: calls a crash left <c>dialing</c>, <c>ringing</c> or
/// <c>in_progress</c> are ended with <c>end_reason: appliance_restart</c> and settled. An answered call is
/// <c>completed</c> and billed from its answer up to the last moment the dialer knew it was up
/// (<c>last_seen_at</c>, refreshed every <c>Dialer:HeartbeatInterval</c> while it ran), never more than its effective maximum;
/// an unanswered one is <c>failed</c> and its whole reservation released. Reservations still open for calls that
/// are final are released too.
/// </summary>
/// <remarks>
/// On PostgreSQL a node's restart ends only the calls it dialed (<c>node_id</c>, and those from before nodes were
/// recorded); the calls of a node that fell silent are ended by a survivor (<see cref="Cluster.NodeHeartbeat"/>).
/// </remarks>
public sealed class CallRecovery(ApplianceStore store, CallSettlement settlement, CreditLedger ledger, Cluster.ClusterNode node)
{
    private static readonly string[] LiveStatuses = [.. CallStatus.Live];

    /// <summary>Returns the number of calls ended.</summary>
    public Task<int> RecoverAsync(CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var ended = await SettleAsync(tx, store.IsPostgres ? "(node_id = @NodeId OR node_id IS NULL)" : "1 = 1", node.Id);
            await ReleaseOrphanedAsync(tx);
            return ended;
        }, cancellationToken);

    /// <summary>Ends the live calls of a node that is gone (in the transaction that found it silent).</summary>
    public async Task<int> RecoverNodeAsync(StoreTransaction tx, string nodeId)
    {
        var ended = await SettleAsync(tx, "node_id = @NodeId", nodeId);
        await ReleaseOrphanedAsync(tx);
        return ended;
    }

    private async Task<int> SettleAsync(StoreTransaction tx, string whose, string nodeId)
    {
        var stranded = (await tx.QueryAsync<Call>(
            $"SELECT {Call.Columns} FROM calls WHERE status IN @LiveStatuses AND {whose}{tx.Dialect.SkipLocked("calls")}", new { LiveStatuses, NodeId = nodeId })).ToList();
        foreach (var call in stranded)
        {
            var lastKnown = call.LastSeenAt ?? call.StartedAt ?? tx.Now;
            var answered = call.AnsweredAt is not null;
            var talk = answered ? Math.Max(0, (lastKnown - call.AnsweredAt!.Value).TotalSeconds) : 0;
            await settlement.FinishAsync(tx, call, new CallFinish(
                answered ? CallStatus.Completed : CallStatus.Failed,
                CallEndReasons.ApplianceRestart,
                lastKnown,
                talk,
                answered ? "the appliance stopped during the call; billed up to the last moment it was known to be up" : "the appliance stopped before the call was answered"));
        }

        return stranded.Count;
    }

    private async Task ReleaseOrphanedAsync(StoreTransaction tx)
    {
        var orphaned = await tx.QueryAsync<string>("""
            SELECT r.id FROM credit_reservations r JOIN calls c ON c.reservation_id = r.id
            WHERE r.status = 'open' AND c.status NOT IN ('queued', 'dialing', 'ringing', 'in_progress')
            """);
        foreach (var reservationId in orphaned)
        {
            await ledger.ReleaseAsync(tx, reservationId);
        }
    }
}
