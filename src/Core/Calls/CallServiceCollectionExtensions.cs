using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Metrics;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Playbooks.Audio;
using Cualify.Appliance.Core.Recordings;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Cualify.Appliance.Core.Calls;

public static class CallServiceCollectionExtensions
{
    /// <summary>
    /// Playbooks, calls and their rules: placement, admission, progress, settlement, recovery, erasure, and the
    /// <c>Dialer</c> settings they read. Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddPlaybooksAndCalls(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(CallAdmission)))
        {
            return services;
        }

        services.AddOptions<DialerOptions>()
            .Bind(configuration.GetSection(DialerOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<PlaybookStore>();
        services.TryAddSingleton<IPlaybookSpeech, NoPlaybookSpeech>();
        services.TryAddSingleton<PlaybookAudioStore>();
        services.TryAddSingleton<AudioConversionQueue>();
        services.TryAddSingleton<DialSignal>();
        services.TryAddSingleton<CallHangups>();
        services.TryAddSingleton<CallReader>();
        services.TryAddSingleton<LiveCallBoard>();
        services.TryAddSingleton<CallForensics>();
        services.TryAddSingleton<CallSettlement>();
        services.TryAddSingleton<CallPlacement>();
        services.TryAddSingleton<CallAdmission>();
        services.TryAddSingleton<CallLifecycle>();
        services.TryAddSingleton<CallRecovery>();
        services.TryAddSingleton<CallAnalyses>();
        services.TryAddSingleton<CallTransfers>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IContactErasureStep, CallErasure>());
        services.AddOptions<RecordingOptions>()
            .Bind(configuration.GetSection(RecordingOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<CallRecordings>();
        services.TryAddSingleton<RecordingDownloads>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IContactErasureStep, RecordingErasure>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RecordingRetention>());
        services.TryAddSingleton<RecordingRemovalSignal>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RecordingFileRemovals>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMetricsSource, RecordingMetrics>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMetricsSource, CallMetrics>());
        return services;
    }
}
