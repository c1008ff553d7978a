using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Cluster;

/// <summary>
/// Work of one kind that a node claims (stamping its id) and that a survivor puts back when that node has been
/// silent for <see cref="ClusterOptions.NodeTimeout"/>; run by <see cref="NodeHeartbeat"/> in the transaction that
/// found the node silent.
/// </summary>
public interface INodeWorkRecovery
{
    /// <summary>What is put back, for the log: "webhook deliveries".</summary>
    string Work { get; }

    /// <summary>Returns how many claims of <paramref name="nodeId"/> were put back.</summary>
    Task<int> RecoverNodeAsync(StoreTransaction tx, string nodeId);
}
