using Cualify.Appliance.Core.Health;
using MailKit;
using MailKit.Net.Imap;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Mailer.Health;

/// <summary>
/// <c>doctor</c>'s <c>imap</c> line (registered only when <c>Mailer:Imap:Host</c> is set): connects, logs in and
/// opens the watched folder read-only, as the reply and bounce watcher does, and reads nothing.
/// </summary>
public sealed class ImapDoctorCheck(IOptions<MailerOptions> options) : IDoctorCheck
{
    public string Name => "imap";

    public async Task<DoctorResult> RunAsync(CancellationToken cancellationToken)
    {
        var server = options.Value.Imap;
        var port = MailServerProblems.EffectivePort(server, imap: true);
        using var client = new ImapClient { Timeout = (int)server.Timeout.TotalMilliseconds };
        if (server.AcceptAnyCertificate)
        {
            client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        }

        try
        {
            await client.ConnectAsync(server.Host!, port, server.SocketOptions, cancellationToken);
            if (!string.IsNullOrEmpty(server.Username))
            {
                await client.AuthenticateAsync(server.Username, server.Password ?? "", cancellationToken);
            }

            var folder = await client.GetFolderAsync(server.Folder, cancellationToken);
            await folder.OpenAsync(FolderAccess.ReadOnly, cancellationToken);
            var mode = client.Capabilities.HasFlag(ImapCapabilities.Idle) ? "IDLE" : $"polling every {server.PollInterval}";
            var detail = $"{server.Host}:{port} ({server.Security}) accepted the login; {server.Folder} holds {folder.Count} messages; replies are watched with {mode}";
            await client.DisconnectAsync(quit: true, cancellationToken);
            return DoctorResult.Ok(detail);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return MailServerProblems.Describe(ex, "Mailer:Imap", server, port);
        }
    }
}
