using Cualify.Appliance.Core.Health;
using Cualify.Appliance.Core.Metrics;
using Cualify.Appliance.Dialer.Telephony;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Dialer.Sip;

public static class SipServiceCollectionExtensions
{
    /// <summary>The <c>sip</c> provider: options (validated on start), the stack service, readiness and metrics.</summary>
    public static IServiceCollection AddSipTelephony(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SipOptions>().Bind(configuration.GetSection(SipOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SipOptions>, SipOptionsValidator>();
        services.AddSingleton<SipStackService>();
        services.AddHostedService(provider => provider.GetRequiredService<SipStackService>());
        services.AddSingleton<SipTelephonyProvider>();
        services.AddSingleton<ITelephonyProvider>(provider => provider.GetRequiredService<SipTelephonyProvider>());
        services.AddSingleton<IReadinessCheck, SipTrunkReadiness>();
        services.AddSingleton<IMetricsSource, SipMetrics>();
        return services;
    }
}
