using Cualify.Appliance.Core.Health;
using Cualify.Appliance.Core.Secrets;
using Cualify.Appliance.Core.Sequences.Writing;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Mailer.Health;
using Cualify.Appliance.Mailer.Inbound;
using Cualify.Appliance.Mailer.Runner;
using Cualify.Appliance.Mailer.Sending;
using Cualify.Appliance.Mailer.Writing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Mailer;

public static class MailerServiceCollectionExtensions
{
    /// <summary>
    /// The mailer: the step runner, SMTP sending through pooled MailKit clients (or the pickup folder when no
    /// SMTP server is set), the step writer's chat-completions client (used when Sequences:Writer:Endpoint is set), the IMAP reply and bounce watcher, the SMTP readiness check, and doctor's SMTP (and, when set, IMAP) login checks.
    /// </summary>
    public static IServiceCollection AddMailer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MailerOptions>()
            .Bind(configuration.GetSection(MailerOptions.Section))
            .OpenSealed((options, open) =>
            {
                options.Smtp.Password = open(options.Smtp.Password, "Mailer:Smtp:Password");
                options.Imap.Password = open(options.Imap.Password, "Mailer:Imap:Password");
                for (var i = 0; i < options.Mailboxes.Count; i++)
                {
                    options.Mailboxes[i].Password = open(options.Mailboxes[i].Password, $"Mailer:Mailboxes:{i}:Password");
                }
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IMailTransport>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<MailerOptions>>().Value;
            if (options.UsesSmtp)
            {
                return new SmtpTransport(options, provider.GetRequiredService<ILoggerFactory>());
            }

            var directory = string.IsNullOrWhiteSpace(options.PickupDirectory)
                ? provider.GetRequiredService<DataDirectory>().Combine("outbox")
                : options.PickupDirectory;
            return new PickupDirectoryTransport(directory, provider.GetRequiredService<TimeProvider>());
        });
        services.Replace(ServiceDescriptor.Singleton<IStepWriter, ChatCompletionsWriter>());
        services.AddSingleton<MessageComposer>();
        services.AddSingleton<AdminNoticeSender>();
        services.AddSingleton<InboundMailHandler>();
        services.AddSingleton<IReadinessCheck, SmtpReadiness>();
        services.AddDoctorCheck<SmtpDoctorCheck>();
        if (!string.IsNullOrWhiteSpace(configuration[$"{MailerOptions.Section}:Imap:Host"]))
        {
            services.AddDoctorCheck<ImapDoctorCheck>();
        }

        if (!string.IsNullOrWhiteSpace(configuration[$"{StepWriterOptions.Section}:Endpoint"]))
        {
            services.AddDoctorCheck<WriterDoctorCheck>();
        }

        services.AddHostedService<SequenceMailRunner>();
        services.AddHostedService<ImapWatcher>();
        return services;
    }
}
