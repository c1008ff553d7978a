using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cualify.Appliance.Core.Campaigns;

public static class CampaignServiceCollectionExtensions
{
    /// <summary>Campaigns: their store, the hopper's rules for calls and enrollments, call ends, erasure, metrics.</summary>
    public static IServiceCollection AddCampaigns(this IServiceCollection services)
    {
        services.TryAddSingleton<CampaignSignal>();
        services.TryAddSingleton<CampaignTransitions>();
        services.TryAddSingleton<CampaignStore>();
        services.TryAddSingleton<CampaignFeed>();
        services.TryAddSingleton<CampaignEnrollments>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICallEndedStep, CampaignCallEnded>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IContactErasureStep, CampaignErasure>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMetricsSource, CampaignMetrics>());
        return services;
    }
}
