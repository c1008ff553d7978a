using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Core.Metrics;
using Cualify.Appliance.Relay.Connectors.HubSpot;
using Cualify.Appliance.Relay.Connectors.Inbound;
using Cualify.Appliance.Relay.Connectors.Zoho;
using Microsoft.Extensions.Configuration;
using Cualify.Appliance.Core.Contacts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cualify.Appliance.Relay.Connectors;

public static class ConnectorServiceCollectionExtensions
{
    /// <summary>CRM connectors (SPEC §7): the resource, the outbound writers on the outbox, inbound requests and metrics.</summary>
    public static IServiceCollection AddConnectors(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ConnectorsOptions>()
            .Bind(configuration.GetSection(ConnectorsOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<ConnectorSignal>();
        services.AddSingleton<InboundSignal>();
        services.AddSingleton<CrmHttp>();
        services.AddSingleton<HubSpotTokens>();
        services.AddSingleton<HubSpotApi>();
        services.AddSingleton<HubSpotContacts>();
        services.AddSingleton<ICrmWriter, HubSpotWriter>();
        services.AddSingleton<ZohoTokens>();
        services.AddSingleton<ZohoApi>();
        services.AddSingleton<ZohoPeople>();
        services.AddSingleton<ICrmWriter, ZohoWriter>();
        services.AddSingleton<ConnectorStore>();
        services.AddSingleton<ConnectorSyncs>();
        services.AddSingleton<ConnectorTester>();
        services.AddSingleton<ConnectorCounters>();
        services.AddSingleton<SyncRecorder>();
        services.AddSingleton<InboundReceiver>();
        services.AddSingleton<IMetricsSource, ConnectorMetrics>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IContactErasureStep, InboundErasure>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<INodeWorkRecovery, SyncNodeRecovery>());
        services.AddHostedService<ConnectorDispatcher>();
        services.AddHostedService<InboundProcessor>();
        return services;
    }
}
