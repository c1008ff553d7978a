using System.Diagnostics;
using Cualify.Appliance.Core.Api;
using Cualify.Appliance.Core.Mail;
using Cualify.Appliance.Core.Sequences;
using Cualify.Appliance.Mailer;
using Cualify.Appliance.Mailer.Sending;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cualify.Appliance.Bench.Mail;

/// <summary>The mailer's compose + pooled SMTP path alone, in-process, without the store: where the time goes.</summary>
public static class TransportOnly
{
    public static async Task<double> MeasureAsync(int port, int connections, int messages)
    {
        var options = new MailerOptions
        {
            From = "bench@cualify.test",
            Smtp = new MailServerOptions { Host = "127.0.0.1", Port = port, Security = "none", MaxConnections = connections },
        };
        var composer = new MessageComposer(Microsoft.Extensions.Options.Options.Create(options), Microsoft.Extensions.Options.Options.Create(new ApiOptions()), TimeProvider.System);
        await using var transport = new SmtpTransport(options, NullLoggerFactory.Instance);
        var mailbox = options.EffectiveMailboxes[0];
        var next = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) <= messages)
            {
                var email = new OutgoingEmail($"s{n}", "org", "enr", "contact", 0, 1, mailbox.Address, $"lead{n}@example.com", $"Lead {n}",
                    $"Lead {n}, the pricing you asked for", "Hi,\n\nthanks for asking about our pricing. The plan that fits a team of your size is the Standard plan.\n\nBest regards,\nAnita",
                    $"{Guid.NewGuid():N}@cualify.test", null, [], "0123456789abcdef0123456789abcdef");
                await transport.SendAsync(mailbox, composer.Compose(email, mailbox), CancellationToken.None);
            }
        }));
        return messages / clock.Elapsed.TotalSeconds;
    }
}
