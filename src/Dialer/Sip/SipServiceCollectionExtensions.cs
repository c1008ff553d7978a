using Cualify.Appliance.Core.Health;
using Cualify.Appliance.Core.Metrics;
using Cualify.Appliance.Dialer.Telephony;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Dialer.Sip;

public static class SipServiceCollectionExtensions
{
    /// <summary>
    /// The <c>sip</c> provider. Only when <c>Dialer:Provider</c> is <c>sip</c> are its options checked at start,
    /// its socket bound, and the trunk probed by <c>/readyz</c> and <c>doctor</c>; otherwise it costs nothing.
    /// </summary>
    public static IServiceCollection AddSipTelephony(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        var options = services.AddOptions<SipOptions>().Bind(configuration.GetSection(SipOptions.Section));
        services.AddSingleton<SipStackService>();
        services.AddTelephonyProvider<SipTelephonyProvider>(SipTelephonyProvider.ProviderName);
        if (SipTelephonyProvider.IsSelected(configuration))
        {
            options.ValidateOnStart();
            services.AddSingleton<IValidateOptions<SipOptions>, SipOptionsValidator>();
            services.AddHostedService(provider => provider.GetRequiredService<SipStackService>());
            services.AddSingleton<IReadinessCheck, SipTrunkReadiness>();
            services.AddSingleton<IMetricsSource, SipMetrics>();
            services.AddDoctorCheck<SipTrunkDoctorCheck>();
        }

        return services;
    }
}
