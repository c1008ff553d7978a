using System.Net.Http.Headers;
using System.Text;
using Cualify.Appliance.Core.Health;
using Cualify.Appliance.Core.Secrets;
using Cualify.Appliance.Dialer.Telephony;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Dialer.Twilio;

public static class TwilioServiceCollectionExtensions
{
    public const string HttpClientName = "twilio";

    /// <summary>
    /// The <c>twilio</c> provider and what it needs: <c>Dialer:Twilio</c> options (checked at start when
    /// <c>Dialer:Provider</c> is <c>twilio</c>), the REST client, the CPS gate, the callbacks and the poller. The
    /// poller runs and <c>/readyz</c> and <c>doctor</c> check the credentials only when twilio is the selected provider.
    /// </summary>
    public static IServiceCollection AddTwilioTelephony(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<TwilioOptions>()
            .Bind(configuration.GetSection(TwilioOptions.Section))
            .OpenSealed((options, open) => options.AuthToken = open(options.AuthToken, "Dialer:Twilio:AuthToken"))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<TwilioOptions>>(new TwilioOptionsValidator(configuration));

        services.AddHttpClient<TwilioClient>(HttpClientName, (provider, http) =>
            {
                var options = provider.GetRequiredService<IOptions<TwilioOptions>>().Value;
                http.BaseAddress = options.ApiBase;
                http.Timeout = Timeout.InfiniteTimeSpan; // the resilience pipeline times each attempt and the whole
                var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.AccountSid}:{options.AuthToken}"));
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", credentials);
                http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("cualify-appliance", "1.0"));
            })
            .UseSocketsHttpHandler((handler, _) => handler.PooledConnectionLifetime = TimeSpan.FromMinutes(2))
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .RedactLoggedHeaders(_ => true)
            .AddResilienceHandler(TwilioResilience.PipelineName, (pipeline, context) =>
                TwilioResilience.Configure(pipeline, context.ServiceProvider.GetRequiredService<IOptions<TwilioOptions>>().Value));

        services.AddSingleton(provider => new CallsPerSecondGate(
            provider.GetRequiredService<IOptions<TwilioOptions>>().Value.CallsPerSecond,
            provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<TwilioCallRegistry>();
        services.AddSingleton<TwilioCallPoller>();
        services.AddSingleton<TwilioCallbacks>();
        services.AddTelephonyProvider<TwilioTelephonyProvider>(TwilioTelephonyProvider.ProviderName);
        if (TwilioTelephonyProvider.IsSelected(configuration))
        {
            services.AddHostedService(provider => provider.GetRequiredService<TwilioCallPoller>());
            services.AddSingleton<IReadinessCheck, TwilioReadiness>();
            services.AddDoctorCheck<TwilioCredentialsDoctorCheck>();
        }

        return services;
    }
}
