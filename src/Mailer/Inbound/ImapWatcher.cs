using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Core.Mail;
using Cualify.Appliance.Core.Privacy;
using Cualify.Appliance.Core.Sequences;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Mailer.Inbound;

/// <summary>
/// Watches the reply and bounce mailbox (<c>Mailer:Imap</c>): IDLE where the server offers it, else polling.
/// It remembers the folder's UIDVALIDITY and the last UID handled, so after a restart it reads only new mail,
/// and a new UIDVALIDITY means reading the recent mail again (acting on nothing twice). With several nodes on one
/// store only the leader (<see cref="LeaderLease"/>) watches.
/// </summary>
public sealed class ImapWatcher(
    InboundMailHandler handler,
    LeaderLease leader,
    ImapPositions positions,
    IOptions<MailerOptions> options,
    TimeProvider time,
    ILogger<ImapWatcher> logger) : BackgroundService
{
    /// <summary>How far back a folder seen for the first time (or with a new UIDVALIDITY) is read.</summary>
    public static readonly TimeSpan FirstLook = TimeSpan.FromDays(14);

    private MailServerOptions Server => options.Value.Imap;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        string.IsNullOrWhiteSpace(Server.Host) ? Task.CompletedTask : leader.RunWhileLeaderAsync(WatchWithRetriesAsync, stoppingToken);

    private async Task WatchWithRetriesAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromSeconds(5);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await WatchAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning("The IMAP watcher lost {Server} ({Error}); reconnecting in {Backoff}", Server, Redact.Text(ex.Message), backoff);
                try
                {
                    await Task.Delay(backoff, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromMinutes(5).Ticks));
            }
        }
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        using var client = new ImapClient { Timeout = (int)Server.Timeout.TotalMilliseconds };
        if (Server.AcceptAnyCertificate)
        {
            client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        }

        var port = Server.Port != 0 ? Server.Port : Server.Security == "tls" ? 993 : 143;
        await client.ConnectAsync(Server.Host!, port, Server.SocketOptions, cancellationToken);
        if (!string.IsNullOrEmpty(Server.Username))
        {
            await client.AuthenticateAsync(Server.Username, Server.Password ?? "", cancellationToken);
        }

        var folder = await client.GetFolderAsync(Server.Folder, cancellationToken);
        await folder.OpenAsync(FolderAccess.ReadOnly, cancellationToken);
        var account = $"{Server.Username}@{Server.Host}:{port}/{Server.Folder}";
        logger.LogInformation("Watching {Folder} on {Server} ({Mode})", Server.Folder, Server, client.Capabilities.HasFlag(ImapCapabilities.Idle) ? "IDLE" : "polling");
        while (!cancellationToken.IsCancellationRequested)
        {
            await ReadNewAsync(folder, account, cancellationToken);
            if (client.Capabilities.HasFlag(ImapCapabilities.Idle))
            {
                await IdleAsync(client, folder, cancellationToken);
            }
            else
            {
                await Task.Delay(Server.PollInterval, time, cancellationToken);
                await client.NoOpAsync(cancellationToken);
            }
        }

        await client.DisconnectAsync(quit: true, CancellationToken.None);
    }

    /// <summary>Idles until the folder's count changes or the poll interval ends (servers drop IDLE after 30 minutes).</summary>
    private async Task IdleAsync(ImapClient client, IMailFolder folder, CancellationToken cancellationToken)
    {
        using var done = new CancellationTokenSource(Server.PollInterval < TimeSpan.FromMinutes(9) ? Server.PollInterval : TimeSpan.FromMinutes(9), time);
        void Changed(object? sender, EventArgs e) => done.Cancel();
        folder.CountChanged += Changed;
        try
        {
            await client.IdleAsync(done.Token, cancellationToken);
        }
        finally
        {
            folder.CountChanged -= Changed;
        }
    }

    private async Task ReadNewAsync(IMailFolder folder, string account, CancellationToken cancellationToken)
    {
        var position = await positions.GetAsync(account, cancellationToken);
        IList<UniqueId> uids;
        if (position is null || position.UidValidity != folder.UidValidity)
        {
            uids = await folder.SearchAsync(SearchQuery.DeliveredAfter(time.GetUtcNow().UtcDateTime - FirstLook), cancellationToken);
        }
        else
        {
            var range = new UniqueIdRange(new UniqueId((uint)position.LastUid + 1), UniqueId.MaxValue);
            uids = await folder.SearchAsync(SearchQuery.Uids(range), cancellationToken);
        }

        var last = position?.UidValidity == folder.UidValidity ? position.LastUid : 0;
        foreach (var uid in uids.Where(u => u.Id > last).OrderBy(u => u.Id))
        {
            var message = await folder.GetMessageAsync(uid, cancellationToken);
            try
            {
                await handler.HandleAsync(message, $"{account}:{folder.UidValidity}:{uid.Id}", cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One unreadable message must not stop the mailbox: it is logged and passed over.
                logger.LogError(ex, "Handling message UID {Uid} in {Folder} failed; it is skipped", uid.Id, Server.Folder);
            }

            last = uid.Id;
            await positions.SaveAsync(new ImapPosition(account, folder.UidValidity, last), cancellationToken);
        }

        if (position is null || position.UidValidity != folder.UidValidity)
        {
            await positions.SaveAsync(new ImapPosition(account, folder.UidValidity, last), cancellationToken);
        }
    }
}
