using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Core.Metrics;
using Cualify.Appliance.Relay.Addresses;
using Cualify.Appliance.Relay.Connectors;
using Cualify.Appliance.Relay.Delivery;
using Cualify.Appliance.Relay.Metrics;
using Cualify.Appliance.Relay.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cualify.Appliance.Relay;

public static class RelayServiceCollectionExtensions
{
    /// <summary>The signed webhook relay: endpoints, the outbox dispatcher, delivery history, replays and metrics.</summary>
    public static IServiceCollection AddRelay(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RelayOptions>()
            .Bind(configuration.GetSection(RelayOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.TryAddSingleton<IHostResolver, DnsHostResolver>();
        services.AddSingleton<WebhookAddressPolicy>();
        services.AddSingleton<GuardedConnector>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<DeliveryCancellation>();
        services.AddSingleton<DeliverySignal>();
        services.AddSingleton<WebhookStore>();
        services.AddSingleton<Redeliveries>();
        services.AddSingleton<DeliveryHistory>();
        services.AddSingleton<RelayCounters>();
        services.AddSingleton<EndpointDisabler>();
        services.AddSingleton<AttemptRecorder>();
        services.AddSingleton<DeliveryClaims>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<INodeWorkRecovery, DeliveryNodeRecovery>());
        services.AddSingleton<IMetricsSource, RelayMetrics>();
        services.AddHostedService<OutboxDispatcher>();
        services.AddConnectors(configuration);
        return services;
    }
}
