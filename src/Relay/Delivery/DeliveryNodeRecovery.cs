using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Relay.Delivery;

/// <summary>A silent node's webhook deliveries in flight go back to pending, for the survivors to send.</summary>
internal sealed class DeliveryNodeRecovery(DeliverySignal signal) : INodeWorkRecovery
{
    public string Work => "webhook deliveries";

    public async Task<int> RecoverNodeAsync(StoreTransaction tx, string nodeId)
    {
        var resumed = await DeliveryClaims.RecoverNodeAsync(tx, nodeId);
        if (resumed > 0)
        {
            tx.AfterCommit(signal.Notify);
        }

        return resumed;
    }
}
