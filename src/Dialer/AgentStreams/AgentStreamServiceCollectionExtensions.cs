using Cualify.Appliance.Core.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cualify.Appliance.Dialer.AgentStreams;

public static class AgentStreamServiceCollectionExtensions
{
    /// <summary>Voice-agent media streams: the connector SIP calls open their agent's WebSocket with, and its metrics.</summary>
    public static IServiceCollection AddAgentStreams(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AgentStreamMetrics>();
        services.TryAddSingleton<AgentStreamConnector>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMetricsSource, AgentStreamMetrics>(provider => provider.GetRequiredService<AgentStreamMetrics>()));
        return services;
    }
}
