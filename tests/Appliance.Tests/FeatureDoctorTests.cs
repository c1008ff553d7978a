using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using Cualify.Appliance.Mailer.Tests.Servers;
using Cualify.Appliance.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Tests;

/// <summary>
/// The checks each feature adds to <c>doctor</c> (SMTP and IMAP login, SIP trunk OPTIONS, speech, Twilio credentials), run
/// through the real verb against real servers and against wrong settings: each failure is named with its fix, and a
/// check appears only when its feature is configured or selected.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class FeatureDoctorTests
{
    private static async Task<TempDirectory> InitializedAsync()
    {
        var data = new TempDirectory("doctor-features");
        var init = await ApplianceProcess.RunVerbAsync(["init", "--data-dir", data.Path]);
        Assert.Equal(0, init.ExitCode);
        return data;
    }

    private static Task<ApplianceProcess.VerbResult> DoctorAsync(string dataDir, Dictionary<string, string> environment) =>
        ApplianceProcess.RunVerbAsync(["doctor", "--data-dir", dataDir], environment, TimeSpan.FromSeconds(90));

    private static string? Line(ApplianceProcess.VerbResult result, string check) =>
        result.StandardOutput.Split('\n').SingleOrDefault(l => l.Length > 6 && l[6..].StartsWith(check + ":", StringComparison.Ordinal));

    [Fact]
    public async Task Smtp_login_is_checked_against_the_server_and_a_wrong_port_is_named_with_the_settings_to_fix()
    {
        using var data = await InitializedAsync();
        var untouched = await DoctorAsync(data.Path, []);
        Assert.StartsWith($"ok    smtp: no Mailer:Smtp:Host set, so emails are written as .eml files to {Path.Combine(data.Path, "outbox")}", Line(untouched, "smtp"));
        Assert.Null(Line(untouched, "imap"));
        Assert.Null(Line(untouched, "sip-trunk"));
        Assert.Null(Line(untouched, "twilio"));

        await using var smtp = await AiosmtpdAsync();
        var good = await DoctorAsync(data.Path, Smtp(smtp.Port));
        Assert.Equal($"ok    smtp: 127.0.0.1:{smtp.Port} (none) accepts connections; no login is configured.", Line(good, "smtp"));
        Assert.DoesNotContain("FAIL", good.StandardOutput);

        var closed = ClosedTcpPort();
        var wrong = await DoctorAsync(data.Path, Smtp(closed));
        Assert.Equal(1, wrong.ExitCode);
        Assert.Equal($"FAIL  smtp: nothing accepts connections at 127.0.0.1:{closed} (connection refused). Fix: check Mailer:Smtp:Host and Mailer:Smtp:Port, and that the mail server is running",
            Line(wrong, "smtp"));

        // A plain SMTP server where TLS is expected: the fix names the Security setting.
        var noStartTls = await DoctorAsync(data.Path, new(Smtp(smtp.Port)) { ["CUALIFY__Mailer__Smtp__Security"] = "starttls" });
        Assert.Equal(1, noStartTls.ExitCode);
        Assert.Contains("Fix: set Mailer:Smtp:Security to tls", Line(noStartTls, "smtp"));
    }

    [Fact]
    public async Task Imap_login_is_checked_against_dovecot_and_a_wrong_password_or_folder_is_named_with_its_setting()
    {
        using var data = await InitializedAsync();
        await using var imap = await ImapTestServer.StartAsync();
        var settings = new Dictionary<string, string>
        {
            ["CUALIFY__Mailer__Imap__Host"] = "127.0.0.1",
            ["CUALIFY__Mailer__Imap__Port"] = imap.Port.ToString(),
            ["CUALIFY__Mailer__Imap__Security"] = "none",
            ["CUALIFY__Mailer__Imap__Username"] = ImapTestServer.User,
            ["CUALIFY__Mailer__Imap__Password"] = ImapTestServer.Password,
        };
        var good = await DoctorAsync(data.Path, settings);
        Assert.StartsWith($"ok    imap: 127.0.0.1:{imap.Port} (none) accepted the login; INBOX holds 0 messages; replies are watched with IDLE", Line(good, "imap"));
        Assert.DoesNotContain("FAIL", good.StandardOutput);

        var wrongPassword = await DoctorAsync(data.Path, new(settings) { ["CUALIFY__Mailer__Imap__Password"] = "not-the-imap-password" });
        Assert.Equal(1, wrongPassword.ExitCode);
        var refused = Line(wrongPassword, "imap");
        Assert.StartsWith($"FAIL  imap: 127.0.0.1:{imap.Port} refused the login of r***@cualify.test", refused);
        Assert.EndsWith("Fix: check Mailer:Imap:Username and Mailer:Imap:Password", refused);
        Assert.DoesNotContain("not-the-imap-password", wrongPassword.StandardOutput + wrongPassword.StandardError);

        var wrongFolder = await DoctorAsync(data.Path, new(settings) { ["CUALIFY__Mailer__Imap__Folder"] = "Replies" });
        Assert.Equal(1, wrongFolder.ExitCode);
        Assert.Equal($"FAIL  imap: 127.0.0.1:{imap.Port} has no folder Replies. Fix: set Mailer:Imap:Folder to the mailbox folder that receives replies and bounces (usually INBOX)", Line(wrongFolder, "imap"));
    }

    [Fact]
    public async Task Imap_is_checked_only_when_set_and_an_unreachable_server_is_named()
    {
        using var data = await InitializedAsync();
        var closed = ClosedTcpPort();
        var result = await DoctorAsync(data.Path, new()
        {
            ["CUALIFY__Mailer__Imap__Host"] = "127.0.0.1",
            ["CUALIFY__Mailer__Imap__Port"] = closed.ToString(),
            ["CUALIFY__Mailer__Imap__Security"] = "none",
        });
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"FAIL  imap: nothing accepts connections at 127.0.0.1:{closed} (connection refused). Fix: check Mailer:Imap:Host and Mailer:Imap:Port, and that the mail server is running",
            Line(result, "imap"));
    }

    [Fact]
    public async Task The_sip_trunk_is_probed_with_OPTIONS_when_sip_is_the_provider()
    {
        using var data = await InitializedAsync();
        using var scenario = new TempDirectory("sipp");
        var port = FreeUdpPort();
        await File.WriteAllTextAsync(scenario.Combine("options.xml"), OptionsScenario);
        var sippPath = RequiredTool.Find("sipp", "sudo apt-get install -y sip-tester");
        using var sipp = Process.Start(new ProcessStartInfo(sippPath,
            ["-sf", "options.xml", "-i", "127.0.0.1", "-p", port.ToString(), "-mi", "127.0.0.1", "-mp", FreeUdpPort().ToString(), "-cp", FreeUdpPort().ToString(),
                "-m", "1", "-timeout", "60s", "-nostdin"])
        {
            WorkingDirectory = scenario.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        sipp.BeginOutputReadLine();
        sipp.BeginErrorReadLine();
        try
        {
            await WaitUntilUdpBoundAsync(port, sipp);
            var answered = await DoctorAsync(data.Path, Sip(port));
            Assert.StartsWith($"ok    sip-trunk: the trunk 127.0.0.1:{port} answered OPTIONS with 200 OK in ", Line(answered, "sip-trunk"));
            Assert.DoesNotContain("FAIL", answered.StandardOutput);
        }
        finally
        {
            if (!sipp.HasExited)
            {
                sipp.Kill();
            }
        }

        var silent = FreeUdpPort();
        var unanswered = await DoctorAsync(data.Path, Sip(silent));
        Assert.Equal(1, unanswered.ExitCode);
        var line = Line(unanswered, "sip-trunk");
        Assert.StartsWith($"FAIL  sip-trunk: the trunk 127.0.0.1:{silent} did not answer OPTIONS within", line);
        Assert.EndsWith($"Fix: check Dialer:Sip:Trunk (now 127.0.0.1:{silent}), that the trunk provider allows this machine's public address, and that the firewall lets UDP to port {silent} and its answers through", line);
    }

    [Fact]
    public async Task Speech_is_checked_when_sip_is_the_provider_and_a_missing_espeak_is_named_with_its_fix()
    {
        RequiredTool.Find("espeak-ng", "sudo apt-get install -y espeak-ng");
        using var data = await InitializedAsync();
        var trunk = FreeUdpPort();

        var found = await DoctorAsync(data.Path, Sip(trunk));
        Assert.StartsWith("ok    speech: espeak-ng at ", Line(found, "speech"));

        var missing = await DoctorAsync(data.Path, new(Sip(trunk)) { ["CUALIFY__Speech__EspeakPath"] = "/nonexistent/espeak-ng" });
        var line = Line(missing, "speech");
        Assert.StartsWith("FAIL  speech: espeak-ng not found: SIP calls cannot speak playbook texts", line);
        Assert.Contains("apt-get install espeak-ng", line);
        Assert.Contains("Speech:EspeakPath", line);

        Assert.Null(Line(await DoctorAsync(data.Path, []), "speech"));
    }

    [Fact]
    public async Task Twilio_credentials_are_checked_by_fetching_the_account_and_a_refusal_says_where_to_copy_them_from()
    {
        using var data = await InitializedAsync();
        const string sid = "AC0123456789abcdef0123456789abcdef";
        const string token = "right-token-0123456789";
        await using var twilio = await TwilioStandInAsync(sid, token);
        var settings = new Dictionary<string, string>
        {
            ["CUALIFY__Dialer__Provider"] = "twilio",
            ["CUALIFY__Dialer__Twilio__AccountSid"] = sid,
            ["CUALIFY__Dialer__Twilio__AuthToken"] = token,
            ["CUALIFY__Dialer__Twilio__ApiBaseUrl"] = twilio.Urls.Single(),
        };
        var good = await DoctorAsync(data.Path, settings);
        Assert.Equal($"ok    twilio: the credentials work; account {sid} (Stand-in) is active.", Line(good, "twilio"));
        Assert.Null(Line(good, "sip-trunk"));

        var refused = await DoctorAsync(data.Path, new(settings) { ["CUALIFY__Dialer__Twilio__AuthToken"] = "wrong-token-0123456789" });
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal("FAIL  twilio: Twilio refused the credentials (HTTP 401). Fix: copy the Account SID and Auth Token from the Twilio Console into Dialer:Twilio:AccountSid and Dialer:Twilio:AuthToken (or CUALIFY__Dialer__Twilio__AuthToken)",
            Line(refused, "twilio"));
        Assert.DoesNotContain("wrong-token", refused.StandardOutput + refused.StandardError);
    }

    private static Dictionary<string, string> Smtp(int port) => new()
    {
        ["CUALIFY__Mailer__Smtp__Host"] = "127.0.0.1",
        ["CUALIFY__Mailer__Smtp__Port"] = port.ToString(),
        ["CUALIFY__Mailer__Smtp__Security"] = "none",
    };

    private static Dictionary<string, string> Sip(int trunkPort) => new()
    {
        ["CUALIFY__Dialer__Provider"] = "sip",
        ["CUALIFY__Dialer__Sip__Trunk"] = $"127.0.0.1:{trunkPort}",
        ["CUALIFY__Dialer__Sip__LocalAddress"] = "127.0.0.1",
        ["CUALIFY__Dialer__Sip__FromDomain"] = "cualify.test",
        ["CUALIFY__Dialer__Sip__T1"] = "00:00:00.100", // the probe gives up after 64×T1
    };

    private const string OptionsScenario = """
        <?xml version="1.0" encoding="ISO-8859-1" ?>
        <scenario name="OPTIONS answered">
          <recv request="OPTIONS" />
          <send>
            <![CDATA[

              SIP/2.0 200 OK
              [last_Via:]
              [last_From:]
              [last_To:];tag=[pid]uas[call_number]
              [last_Call-ID:]
              [last_CSeq:]
              Allow: INVITE, ACK, BYE, CANCEL, OPTIONS
              Content-Length: 0

            ]]>
          </send>
        </scenario>
        """;

    private static int ClosedTcpPort() => ApplianceProcess.FreeTcpPort();

    /// <summary>Waits until a socket is bound to 127.0.0.1:<paramref name="port"/> (read from /proc/net/udp, so the port is never touched).</summary>
    private static async Task WaitUntilUdpBoundAsync(int port, Process owner)
    {
        var local = $"0100007F:{port:X4}";
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await File.ReadAllLinesAsync("/proc/net/udp")).Skip(1).Any(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1] == local))
        {
            Assert.False(owner.HasExited, $"sipp exited with {(owner.HasExited ? owner.ExitCode : 0)} before listening on {port}");
            Assert.True(DateTime.UtcNow < deadline, $"sipp never listened on UDP {port}");
            await Task.Delay(50);
        }
    }

    private static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private sealed class Aiosmtpd(Process process, int port) : IAsyncDisposable
    {
        public int Port => port;

        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }
    }

    /// <summary>aiosmtpd on a loopback port with its default handler (it accepts and prints every message).</summary>
    private static async Task<Aiosmtpd> AiosmtpdAsync()
    {
        var python = RequiredTool.Find("python3", "sudo apt-get install -y python3-aiosmtpd", "/usr/bin/python3");
        var port = ApplianceProcess.FreeTcpPort();
        var errors = new StringBuilder();
        var process = Process.Start(new ProcessStartInfo(python, ["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        process.ErrorDataReceived += (_, e) => { lock (errors) { errors.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var server = new Aiosmtpd(process, port);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return server;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(50);
            }
            catch (SocketException)
            {
                await server.DisposeAsync();
                lock (errors)
                {
                    throw new InvalidOperationException($"aiosmtpd did not listen on {port} (is python3-aiosmtpd installed? sudo apt-get install -y python3-aiosmtpd): {errors}");
                }
            }
        }
    }

    /// <summary>Twilio's account resource as a small Kestrel server: 200 for the right basic-auth credentials, else Twilio's 401.</summary>
    private static async Task<WebApplication> TwilioStandInAsync(string sid, string token)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{sid}:{token}"));
        app.MapGet("/2010-04-01/Accounts/{account}.json", (string account, HttpRequest request) =>
            request.Headers.Authorization.ToString() == expected && account == sid
                ? Results.Json(new Dictionary<string, string> { ["sid"] = sid, ["friendly_name"] = "Stand-in", ["status"] = "active" })
                : Results.Json(new Dictionary<string, object> { ["code"] = 20003, ["message"] = "Authenticate", ["status"] = 401 }, statusCode: 401));
        await app.StartAsync();
        return app;
    }
}
