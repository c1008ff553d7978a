using System.Collections.Concurrent;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace Cualify.Appliance.Mailer.Sending;

/// <summary>
/// Up to <c>MaxConnections</c> connected <see cref="SmtpClient"/>s for one SMTP login, reused across messages.
/// A client serves one message at a time (they are not thread-safe). A client whose connection broke is
/// dropped and a fresh one connects; a kept connection the server closed while idle gets one retry on a new one.
/// </summary>
public sealed class SmtpConnectionPool(MailServerOptions server, string? username, string? password, ILogger logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _slots = new(server.MaxConnections, server.MaxConnections);
    private readonly ConcurrentBag<SmtpClient> _idle = [];
    private bool _disposed;

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            var client = _idle.TryTake(out var kept) ? kept : NewClient();
            var reused = client.IsConnected;
            try
            {
                await SendOnAsync(client, message, cancellationToken);
            }
            catch (Exception ex) when (reused && MailDeliveryException.IsConnectionLost(ex) && !cancellationToken.IsCancellationRequested)
            {
                // SendOnAsync already dropped the broken client.
                logger.LogDebug("A kept SMTP connection to {Server} was closed ({Error}); reconnecting", server, ex.Message);
                client = NewClient();
                await SendOnAsync(client, message, cancellationToken);
            }

            Keep(client);
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>Connects and logs in, without sending: for readiness checks.</summary>
    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        using var client = NewClient();
        await ConnectAsync(client, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
    }

    private async Task SendOnAsync(SmtpClient client, MimeMessage message, CancellationToken cancellationToken)
    {
        try
        {
            if (!client.IsConnected)
            {
                await ConnectAsync(client, cancellationToken);
            }

            await client.SendAsync(message, cancellationToken);
        }
        catch (SmtpCommandException ex) when (client.IsConnected && !MailDeliveryException.IsConnectionLost(ex))
        {
            // The server refused this message; the session stays usable for the next one.
            Keep(client);
            throw;
        }
        catch
        {
            await DiscardAsync(client);
            throw;
        }
    }

    private async Task ConnectAsync(SmtpClient client, CancellationToken cancellationToken)
    {
        var port = server.Port != 0 ? server.Port : server.Security switch { "tls" => 465, "none" => 25, _ => 587 };
        await client.ConnectAsync(server.Host!, port, server.SocketOptions, cancellationToken);
        // Declaring SIZE makes MailKit serialise every message twice (once to measure it); our messages are small.
        client.Capabilities &= ~SmtpCapabilities.Size;
        if (!string.IsNullOrEmpty(username))
        {
            await client.AuthenticateAsync(username, password ?? "", cancellationToken);
        }
    }

    private SmtpClient NewClient()
    {
        var client = new SmtpClient { Timeout = (int)server.Timeout.TotalMilliseconds };
        if (server.AcceptAnyCertificate)
        {
            client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        }

        return client;
    }

    private void Keep(SmtpClient client)
    {
        if (_disposed)
        {
            client.Dispose();
            return;
        }

        _idle.Add(client);
    }

    private static async Task DiscardAsync(SmtpClient client)
    {
        try
        {
            if (client.IsConnected)
            {
                await client.DisconnectAsync(quit: false, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is IOException or MailKit.Net.Smtp.SmtpProtocolException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            // Already broken; the socket goes with Dispose.
        }
        finally
        {
            client.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        while (_idle.TryTake(out var client))
        {
            try
            {
                if (client.IsConnected)
                {
                    using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await client.DisconnectAsync(quit: true, quick.Token);
                }
            }
            catch (Exception ex) when (ex is IOException or MailKit.Net.Smtp.SmtpProtocolException or MailKit.Net.Smtp.SmtpCommandException or System.Net.Sockets.SocketException or OperationCanceledException)
            {
                // Closing anyway.
            }
            finally
            {
                client.Dispose();
            }
        }
    }
}
