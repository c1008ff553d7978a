using Cualify.Appliance.Core.Health;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Mailer.Sending;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Mailer.Health;

/// <summary>
/// <c>doctor</c>'s <c>smtp</c> line: connects to <c>Mailer:Smtp</c> and logs in with every login in use, sending
/// nothing. Without an SMTP server it says where messages go instead (the pickup folder).
/// </summary>
public sealed class SmtpDoctorCheck(IOptions<MailerOptions> options, DataDirectory dataDirectory, ILoggerFactory loggers) : IDoctorCheck
{
    public string Name => "smtp";

    public async Task<DoctorResult> RunAsync(CancellationToken cancellationToken)
    {
        var mailer = options.Value;
        if (!mailer.UsesSmtp)
        {
            var pickup = string.IsNullOrWhiteSpace(mailer.PickupDirectory) ? dataDirectory.Combine("outbox") : mailer.PickupDirectory;
            return DoctorResult.Ok($"no Mailer:Smtp:Host set, so emails are written as .eml files to {pickup} and nobody receives them; set Mailer:Smtp to send");
        }

        var port = MailServerProblems.EffectivePort(mailer.Smtp, imap: false);
        await using var transport = new SmtpTransport(mailer, loggers);
        try
        {
            await transport.ProbeAsync(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return MailServerProblems.Describe(ex, "Mailer:Smtp", mailer.Smtp, port);
        }

        var logins = mailer.EffectiveMailboxes.Select(m => string.IsNullOrEmpty(m.Username) ? mailer.Smtp.Username : m.Username).Distinct().Count(l => !string.IsNullOrEmpty(l));
        return DoctorResult.Ok(logins == 0
            ? $"{mailer.Smtp.Host}:{port} ({mailer.Smtp.Security}) accepts connections; no login is configured"
            : $"{mailer.Smtp.Host}:{port} ({mailer.Smtp.Security}) accepted {(logins == 1 ? "the login" : $"all {logins} logins")}");
    }
}
