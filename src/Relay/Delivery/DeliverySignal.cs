using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Relay.Delivery;

/// <summary>New deliveries are due now (a replay) or an attempt finished and freed a slot.</summary>
public sealed class DeliverySignal : WorkSignal;
