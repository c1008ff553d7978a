using System.Diagnostics;
using Cualify.Appliance.Testing;
using MimeKit;

namespace Cualify.Appliance.Mailer.Tests.Servers;

/// <summary>
/// A real SMTP server for a test: aiosmtpd on a loopback port with <c>smtp_handler.Handler</c>, which saves
/// accepted messages as .eml files and answers chosen recipients with 550 or 451.
/// </summary>
public sealed class SmtpTestServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempDirectory _folder;

    private SmtpTestServer(Process process, TempDirectory folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    public static async Task<SmtpTestServer> StartAsync(IEnumerable<string>? reject550 = null, IReadOnlyDictionary<string, int>? tempfail451 = null)
    {
        var python = RequiredTool.Find("python3", "sudo apt-get install -y python3-aiosmtpd", "/usr/bin/python3");
        var folder = new TempDirectory("smtp");
        var port = FreePorts.Tcp();
        var start = new ProcessStartInfo(python, ["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{port}", "-c", "smtp_handler.Handler"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.Environment["PYTHONPATH"] = Path.Combine(AppContext.BaseDirectory, "Servers");
        start.Environment["SMTP_SAVE_DIR"] = folder.Path;
        start.Environment["SMTP_REJECT_550"] = string.Join(',', reject550 ?? []);
        start.Environment["SMTP_TEMPFAIL_451"] = string.Join(',', (tempfail451 ?? new Dictionary<string, int>()).Select(p => $"{p.Key}:{p.Value}"));
        var process = Process.Start(start) ?? throw new InvalidOperationException("aiosmtpd did not start");
        var errors = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => errors.AppendLine(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            await FreePorts.WaitUntilListeningAsync(port, () => process.HasExited
                ? $"aiosmtpd exited: {errors} (is python3-aiosmtpd installed? sudo apt-get install -y python3-aiosmtpd)"
                : errors.ToString());
        }
        catch
        {
            Stop(process);
            throw;
        }

        return new SmtpTestServer(process, folder, port);
    }

    /// <summary>Settings that point the appliance's mailer at this server.</summary>
    public Dictionary<string, string?> MailerSettings(string from = "sales@cualify.test") => new()
    {
        ["Mailer:Smtp:Host"] = "127.0.0.1",
        ["Mailer:Smtp:Port"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Mailer:Smtp:Security"] = "none",
        ["Mailer:Smtp:MaxConnections"] = "2",
        ["Mailer:From"] = from,
        ["Mailer:FromName"] = "Cualify Sales",
        ["Mailer:DefaultTimeZone"] = "UTC",
    };

    public IReadOnlyList<MimeMessage> Messages() =>
        Directory.GetFiles(_folder.Path, "*.eml").Order(StringComparer.Ordinal).Select(path => MimeMessage.Load(path)).ToList();

    public IReadOnlyList<MimeMessage> MessagesTo(string address) =>
        Messages().Where(m => m.To.Mailboxes.Any(b => string.Equals(b.Address, address, StringComparison.OrdinalIgnoreCase))).ToList();

    /// <summary>The server's answers to RCPT TO, oldest first, as <c>"451 someone@example.com"</c>.</summary>
    public IReadOnlyList<string> RecipientAnswers()
    {
        var log = Path.Combine(_folder.Path, "rcpt.log");
        return File.Exists(log) ? File.ReadAllLines(log) : [];
    }

    /// <summary>Waits until <paramref name="count"/> messages to <paramref name="address"/> have arrived.</summary>
    public async Task<IReadOnlyList<MimeMessage>> WaitForMessagesAsync(string address, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var messages = MessagesTo(address);
            if (messages.Count >= count)
            {
                return messages;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"Expected {count} messages to {address}, got {messages.Count}; RCPT answers: {string.Join("; ", RecipientAnswers())}");
            }

            await Task.Delay(50);
        }
    }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        process.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Stop(_process);
        _folder.Dispose();
        return ValueTask.CompletedTask;
    }
}
