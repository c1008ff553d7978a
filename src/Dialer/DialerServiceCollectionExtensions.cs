using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Dialer.AgentStreams;
using Cualify.Appliance.Dialer.Live;
using Cualify.Appliance.Dialer.Recording;
using Cualify.Appliance.Dialer.Scheduling;
using Cualify.Appliance.Dialer.Sip;
using Cualify.Appliance.Dialer.Speech;
using Cualify.Appliance.Dialer.Simulator;
using Cualify.Appliance.Dialer.Telephony;
using Cualify.Appliance.Dialer.Twilio;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cualify.Appliance.Dialer;

public static class DialerServiceCollectionExtensions
{
    /// <summary>
    /// The dialer: the scheduler that admits and starts calls, the live-call driver above the providers, the
    /// heartbeat, and the <c>simulator</c> provider. The <c>sip</c> and <c>twilio</c> providers register themselves
    /// with <see cref="TelephonyServiceCollectionExtensions.AddTelephonyProvider{TProvider}"/>; <c>Dialer:Provider</c>
    /// picks one by name.
    /// </summary>
    public static IServiceCollection AddDialer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddPlaybooksAndCalls(configuration);
        services.AddSpeech(configuration);
        services.AddTelephonyProvider<SimulatedTelephony>(SimulatedTelephony.ProviderName);
        services.AddAgentStreams();
        services.AddSipTelephony(configuration);
        services.AddTwilioTelephony(configuration);
        services.AddSingleton<SelectedTelephonyProvider>();
        services.AddSingleton<LiveCalls>();
        services.AddSingleton<RecordingRecovery>();
        // Recordings in another node's data folder are fetched from it; the headers' timeout is the fetcher's own.
        services.AddHttpClient<RecordingFromPeer>(RecordingFromPeer.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .UseSocketsHttpHandler((handler, _) => handler.PooledConnectionLifetime = TimeSpan.FromMinutes(2))
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .RedactLoggedHeaders(_ => true);
        services.AddHostedService<DialScheduler>();
        services.AddHostedService<CampaignHopper>();
        services.AddHostedService<LiveCallHeartbeat>();
        return services;
    }
}
