using System.Diagnostics;
using System.Globalization;
using Cualify.Appliance.Testing;
using MailKit;
using MailKit.Net.Imap;
using MimeKit;

namespace Cualify.Appliance.Mailer.Tests.Servers;

/// <summary>
/// A real IMAP server for a test: dovecot in the foreground with a private config in a temp folder, one user in a
/// passwd-file, maildir storage in the same folder, plain login on a loopback port.
/// </summary>
public sealed class ImapTestServer : IAsyncDisposable
{
    public const string User = "replies@cualify.test";
    public const string Password = "imap-test-secret";
    private readonly Process _process;
    private readonly TempDirectory _folder;

    private ImapTestServer(Process process, TempDirectory folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    public static async Task<ImapTestServer> StartAsync()
    {
        var dovecot = RequiredTool.Find("dovecot", "sudo apt-get install -y dovecot-imapd");
        var folder = new TempDirectory("imap");
        var port = FreePorts.Tcp();
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The IMAP tests run dovecot, which needs Linux");
        }

        var (uid, gid) = MailOwner();
        foreach (var sub in new[] { "mail", "home" })
        {
            var path = folder.Combine(sub);
            Directory.CreateDirectory(path);
            File.SetUnixFileMode(path, (UnixFileMode)0b111_111_111);
        }

        File.SetUnixFileMode(folder.Path, (UnixFileMode)0b111_101_101);
        File.WriteAllText(folder.Combine("passwd"), $"{User}:{{PLAIN}}{Password}\n");
        File.WriteAllText(folder.Combine("dovecot.conf"), $$"""
            base_dir = {{folder.Combine("run")}}
            state_dir = {{folder.Combine("state")}}
            instance_name = cualify-test-{{port}}
            log_path = {{folder.Combine("dovecot.log")}}
            protocols = imap
            listen = 127.0.0.1
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            mail_location = maildir:{{folder.Combine("mail")}}/%u
            first_valid_uid = 1
            default_internal_user = dovecot
            default_login_user = dovenull
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {{folder.Combine("passwd")}}
            }
            userdb {
              driver = static
              args = uid={{uid}} gid={{gid}} home={{folder.Combine("home")}}/%u
            }
            service imap-login {
              inet_listener imap {
                address = 127.0.0.1
                port = {{port}}
              }
              inet_listener imaps {
                port = 0
              }
            }
            service pop3-login {
              inet_listener pop3 {
                port = 0
              }
            }
            service submission-login {
              inet_listener submission {
                port = 0
              }
            }
            """);
        var start = new ProcessStartInfo(dovecot, ["-F", "-c", folder.Combine("dovecot.conf")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("dovecot did not start");
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var server = new ImapTestServer(process, folder, port);
        try
        {
            await FreePorts.WaitUntilListeningAsync(port, server.Log);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    public Dictionary<string, string?> MailerSettings() => new()
    {
        ["Mailer:Imap:Host"] = "127.0.0.1",
        ["Mailer:Imap:Port"] = Port.ToString(CultureInfo.InvariantCulture),
        ["Mailer:Imap:Security"] = "none",
        ["Mailer:Imap:Username"] = User,
        ["Mailer:Imap:Password"] = Password,
    };

    /// <summary>Delivers a message into the watched INBOX, as an MTA would.</summary>
    public async Task DeliverAsync(MimeMessage message)
    {
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", Port, MailKit.Security.SecureSocketOptions.None);
        await client.AuthenticateAsync(User, Password);
        await client.Inbox.AppendAsync(message, MessageFlags.None);
        await client.DisconnectAsync(true);
    }

    public string Log()
    {
        var path = _folder.Combine("dovecot.log");
        return File.Exists(path) ? File.ReadAllText(path) : "(no dovecot log)";
    }

    /// <summary>The mail files' owner: dovecot never serves mail as root, so root runs use nobody.</summary>
    private static (int Uid, int Gid) MailOwner()
    {
        var status = File.ReadAllLines("/proc/self/status");
        int Field(string name) => int.Parse(status.First(l => l.StartsWith(name, StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        var uid = Field("Uid:");
        return uid == 0 ? (65534, 65534) : (uid, Field("Gid:"));
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        _folder.Dispose();
        return ValueTask.CompletedTask;
    }
}
