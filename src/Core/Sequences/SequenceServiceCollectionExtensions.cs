using Cualify.Appliance.Core.AdminNotices;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Secrets;
using Cualify.Appliance.Core.Sequences.Writing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cualify.Appliance.Core.Sequences;

public static class SequenceServiceCollectionExtensions
{
    /// <summary>Templates, enrollments and their voice steps, written steps (the writer's client itself is the Mailer's), and admin notices.</summary>
    public static IServiceCollection AddSequences(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SendingWindowOptions>()
            .Bind(configuration.GetSection(SendingWindowOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<StepWriterOptions>()
            .Bind(configuration.GetSection(StepWriterOptions.Section))
            .OpenSealed((options, open) => options.ApiKey = open(options.ApiKey, "Sequences:Writer:ApiKey"))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<IStepWriter, NoStepWriter>();
        services.AddSingleton<StepWriting>();
        services.AddSingleton<StepTexts>();
        services.AddSingleton<AdminNoticeStore>();
        services.AddSingleton<SequenceTemplateStore>();
        services.AddSingleton<EnrollmentStore>();
        services.AddSingleton<EnrollmentList>();
        services.AddSingleton<EnrollmentStop>();
        services.AddSingleton<VoiceSteps>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICallEndedStep, VoiceStepEnded>());
        services.AddSingleton<ReviewRequest>();
        services.AddSingleton<SequenceStarter>();
        services.AddSingleton<IContactErasureStep, SequenceErasure>();
        return services;
    }
}
