using Cualify.Appliance.Core.AdminNotices;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Contacts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cualify.Appliance.Core.Sequences;

public static class SequenceServices
{
    /// <summary>Templates, enrollments and their voice steps, and admin notices.</summary>
    public static IServiceCollection AddSequences(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SendingWindowOptions>()
            .Bind(configuration.GetSection(SendingWindowOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<AdminNoticeStore>();
        services.AddSingleton<SequenceTemplateStore>();
        services.AddSingleton<EnrollmentStore>();
        services.AddSingleton<EnrollmentStop>();
        services.AddSingleton<VoiceSteps>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICallEndedStep, VoiceStepEnded>());
        services.AddSingleton<ReviewRequest>();
        services.AddSingleton<SequenceStarter>();
        services.AddSingleton<IContactErasureStep, SequenceErasure>();
        return services;
    }
}
