using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Core.Health;
using Cualify.Appliance.Core.Secrets;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Dialer.Telephony;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Dialer.Twilio;

public static class TwilioServiceCollectionExtensions
{
    public const string HttpClientName = "twilio";

    /// <summary>
    /// The <c>twilio</c> provider and what it needs: <c>Dialer:Twilio</c> options (checked at start when
    /// <c>Dialer:Provider</c> is <c>twilio</c>), the REST client, the CPS gate, the callbacks (and the forwarding of those for calls another node placed), the poller and the recording fetcher. The
    /// poller and the fetcher run and <c>/readyz</c> and <c>doctor</c> check the credentials only when twilio is the selected provider.
    /// </summary>
    public static IServiceCollection AddTwilioTelephony(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<TwilioOptions>()
            .Bind(configuration.GetSection(TwilioOptions.Section))
            .OpenSealed((options, open) => options.AuthToken = open(options.AuthToken, "Dialer:Twilio:AuthToken"))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<TwilioOptions>>(new TwilioOptionsValidator(configuration));

        services.AddTransient<TwilioApiHandler>();
        services.AddHttpClient<TwilioClient>(HttpClientName, http =>
                http.Timeout = Timeout.InfiniteTimeSpan) // the resilience pipeline times each attempt and the whole
            .AddHttpMessageHandler<TwilioApiHandler>()
            .UseSocketsHttpHandler((handler, _) => handler.PooledConnectionLifetime = TimeSpan.FromMinutes(2))
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .RedactLoggedHeaders(_ => true)
            .AddResilienceHandler(TwilioResilience.PipelineName, (pipeline, context) =>
                TwilioResilience.Configure(pipeline, context.ServiceProvider.GetRequiredService<IOptions<TwilioOptions>>().Value));

        // Twilio's requests for calls another node placed are passed on to it; the per-request timeout is the forwarder's own.
        services.AddHttpClient<TwilioCallForwarding>(TwilioCallForwarding.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .UseSocketsHttpHandler((handler, _) => handler.PooledConnectionLifetime = TimeSpan.FromMinutes(2))
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .RedactLoggedHeaders(_ => true);

        services.AddSingleton(provider => new CallsPerSecondGate(
            provider.GetRequiredService<IOptions<TwilioOptions>>().Value.CallsPerSecond,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ApplianceStore>().IsPostgres ? provider.GetRequiredService<SharedRate>() : null));
        services.AddSingleton<TwilioCallRegistry>();
        services.AddSingleton<TwilioCallPoller>();
        services.AddSingleton<TwilioStoredCallStatus>();
        services.AddSingleton<TwilioCallbacks>();
        services.AddSingleton<TwilioAudioTokens>();
        services.AddSingleton<TwilioRecordingFetcher>();
        services.AddTelephonyProvider<TwilioTelephonyProvider>(TwilioTelephonyProvider.ProviderName);
        if (TwilioTelephonyProvider.IsSelected(configuration))
        {
            services.AddHostedService(provider => provider.GetRequiredService<TwilioCallPoller>());
            services.AddHostedService(provider => provider.GetRequiredService<TwilioRecordingFetcher>());
            services.AddSingleton<IReadinessCheck, TwilioReadiness>();
            services.AddDoctorCheck<TwilioCredentialsDoctorCheck>();
        }

        return services;
    }
}
