using Cualify.Appliance.Core.Health;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Dialer.Sip;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cualify.Appliance.Dialer.Speech;

public static class SpeechServiceCollectionExtensions
{
    /// <summary>Local text-to-speech (<c>Speech:*</c>): espeak-ng, the spoken-text cache, and the save-time checks.</summary>
    public static IServiceCollection AddSpeech(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SpeechOptions>().Bind(configuration.GetSection(SpeechOptions.Section));
        services.TryAddSingleton<EspeakEngine>();
        services.TryAddSingleton<SpeechCache>();
        services.TryAddSingleton<HeardPrompts>();
        services.Replace(ServiceDescriptor.Singleton<IPlaybookSpeech, PlaybookSpeech>());
        if (SipTelephonyProvider.IsSelected(configuration))
        {
            services.AddDoctorCheck<SpeechDoctorCheck>();
        }

        return services;
    }
}
