using Microsoft.Extensions.DependencyInjection;

namespace Cualify.Appliance.Core.Mail;

public static class MailServices
{
    /// <summary>The mail side of sequences: the email step queue, what comes back about sent mail, and the IMAP positions.</summary>
    public static IServiceCollection AddMail(this IServiceCollection services)
    {
        services.AddSingleton<MailSignal>();
        services.AddSingleton<EmailStepQueue>();
        services.AddSingleton<MailFeedback>();
        services.AddSingleton<ImapPositions>();
        return services;
    }
}
