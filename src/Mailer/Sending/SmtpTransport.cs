using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace Cualify.Appliance.Mailer.Sending;

/// <summary>Sends through <c>Mailer:Smtp</c>, with one connection pool per SMTP login (mailboxes may log in as themselves).</summary>
public sealed class SmtpTransport(MailerOptions options, ILoggerFactory loggers) : IMailTransport, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, SmtpConnectionPool> _pools = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggers.CreateLogger<SmtpTransport>();

    public int Parallelism => options.Smtp.MaxConnections * Math.Max(1, options.EffectiveMailboxes.Select(LoginOf).Distinct().Count());

    public async Task SendAsync(MailboxOptions mailbox, MimeMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await PoolFor(mailbox).SendAsync(message, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw MailDeliveryException.From(ex);
        }
    }

    /// <summary>Connects and logs in with every login in use, for readiness.</summary>
    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        foreach (var mailbox in options.EffectiveMailboxes.DistinctBy(LoginOf))
        {
            await PoolFor(mailbox).ProbeAsync(cancellationToken);
        }
    }

    private SmtpConnectionPool PoolFor(MailboxOptions mailbox) =>
        _pools.GetOrAdd(LoginOf(mailbox), _ => string.IsNullOrEmpty(mailbox.Username)
            ? new SmtpConnectionPool(options.Smtp, options.Smtp.Username, options.Smtp.Password, _logger)
            : new SmtpConnectionPool(options.Smtp, mailbox.Username, mailbox.Password, _logger));

    private string LoginOf(MailboxOptions mailbox) => string.IsNullOrEmpty(mailbox.Username) ? options.Smtp.Username ?? "" : mailbox.Username;

    public async ValueTask DisposeAsync()
    {
        foreach (var pool in _pools.Values)
        {
            await pool.DisposeAsync();
        }
    }
}
