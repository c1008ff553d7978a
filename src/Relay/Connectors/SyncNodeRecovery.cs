using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Core.Store;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Relay.Connectors;

/// <summary>A silent node's CRM syncs in flight go back to pending; the survivor that takes one looks the record up first.</summary>
internal sealed class SyncNodeRecovery(IOptions<ConnectorsOptions> options) : INodeWorkRecovery
{
    public string Work => "CRM syncs";

    public Task<int> RecoverNodeAsync(StoreTransaction tx, string nodeId) => SyncClaims.RecoverNodeAsync(tx, nodeId, options.Value.LookupSettle);
}
