using System.Text.RegularExpressions;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Logging;
using Cualify.Appliance.Testing;
using Microsoft.Extensions.Configuration;
using Serilog;

namespace Cualify.Appliance.Tests;

/// <summary>What the appliance writes to its log files and console over a whole run, and how long the files stay.</summary>
public sealed class LogTests
{
    [Fact]
    public async Task A_full_api_run_at_verbose_level_leaves_no_key_secret_number_or_address_in_any_log()
    {
        using var data = new TempDirectory("logs");
        var secrets = new List<string>();
        var phones = new[] { "+919812345678", "+14158675309", "+447911123456" };
        var emails = new[] { "riya.sharma@example.com", "j.smith+crm@corp.example.org" };
        await using (var appliance = await ApplianceProcess.StartAsync(data.Path, new Dictionary<string, string> { ["CUALIFY__Logging__Level"] = "Verbose" }))
        {
            var admin = Assert.Single((await appliance.WaitForOutputAsync("cuk_live_")).Split('\n').Select(l => l.Trim()), l => l.StartsWith("cuk_live_", StringComparison.Ordinal));
            secrets.Add(admin);
            using var client = appliance.Client(admin);

            var created = await (await client.PostJsonAsync("/api/v1/api-keys", new { name = "crm sync for riya.sharma@example.com", scope = "write" })).ExpectAsync(201);
            var writeKey = (string)created["key"]!;
            secrets.Add(writeKey);
            using var writer = appliance.Client(writeKey);

            var ids = new List<string>();
            for (var i = 0; i < phones.Length; i++)
            {
                var contact = await (await writer.PostJsonAsync("/api/v1/contacts", new
                {
                    phone_e164 = phones[i],
                    name = $"Person {i}",
                    email = emails[i % emails.Length],
                    notes = $"call back on {phones[i]} or mail {emails[i % emails.Length]}",
                    consent_capture = "website_form",
                })).ExpectAsync(200);
                ids.Add((string)contact["data"]!["id"]!);
            }

            // Personal data in paths, query strings, bad input and error messages.
            await (await writer.GetAsync($"/api/v1/contacts?search={Uri.EscapeDataString(phones[0])}")).ExpectAsync(200);
            await (await writer.GetAsync($"/api/v1/contacts?search={Uri.EscapeDataString(emails[1])}")).ExpectAsync(200);
            await writer.GetAsync($"/api/v1/contacts/{Uri.EscapeDataString(emails[0])}");
            await writer.GetAsync($"/api/v1/contacts/{Uri.EscapeDataString(phones[1])}");
            await writer.PostRawAsync("/api/v1/contacts", """{"phone_e164":"+91 98123 4567","email":"riya.sharma@@example.com","consent_capture":"manual"}""");
            await writer.PostRawAsync("/api/v1/contacts", """{"phone_e164":"+919812345678", "email": """);
            await (await writer.PostJsonAsync($"/api/v1/contacts/{ids[0]}/opt-out", new { channel = "all", source = "caller asked on +919812345678" })).ExpectAsync(200);
            await (await client.DeleteAsync($"/api/v1/contacts/{ids[1]}")).ExpectAsync(200);
            using var stranger = appliance.Client("cuk_live_abcdefgh_" + new string('Z', 32));
            await (await stranger.GetAsync("/api/v1/contacts")).ExpectErrorAsync(401, "unauthorized");
            secrets.Add("cuk_live_abcdefgh_" + new string('Z', 32));
            Assert.Equal(0, await appliance.TerminateAsync(TimeSpan.FromSeconds(60)));

            // The console is the journal under systemd: it is held to the same rule.
            AssertClean("console", appliance.StandardError, secrets, phones, emails);
        }

        secrets.Add((await File.ReadAllTextAsync(data.Combine("secrets.key"))).Trim());
        var files = Directory.GetFiles(data.Combine("logs"));
        var logs = string.Concat(files.Select(File.ReadAllText));
        Assert.Contains("HTTP POST /api/v1/contacts answered 200", logs);
        Assert.Contains("HTTP GET /api/v1/contacts/+14*******09 answered 404", logs);
        Assert.Contains("Stopped cleanly", logs);
        AssertClean(string.Join(", ", files), logs, secrets, phones, emails);
    }

    private static void AssertClean(string where, string text, IEnumerable<string> secrets, IEnumerable<string> phones, IEnumerable<string> emails)
    {
        foreach (var secret in secrets)
        {
            Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{where} holds the secret {secret[..12]}…");
            var secretPart = secret.Split('_').Last();
            Assert.False(secretPart.Length >= 32 && text.Contains(secretPart, StringComparison.Ordinal), $"{where} holds the secret part of {secret[..12]}…");
        }

        foreach (var phone in phones)
        {
            var national = phone[3..];
            Assert.False(text.Contains(national, StringComparison.Ordinal), $"{where} holds the number {phone}");
            Assert.False(Regex.IsMatch(Uri.UnescapeDataString(text), Regex.Escape(phone[1..])), $"{where} holds the number {phone}");
        }

        foreach (var email in emails)
        {
            Assert.False(text.Contains(email, StringComparison.OrdinalIgnoreCase), $"{where} holds the address {email}");
            Assert.False(Uri.UnescapeDataString(text).Contains(email, StringComparison.OrdinalIgnoreCase), $"{where} holds the address {email} (escaped)");
            Assert.False(text.Contains(email.Split('@')[0], StringComparison.OrdinalIgnoreCase), $"{where} holds the mailbox name of {email}");
        }
    }

    [Fact]
    public void Daily_files_older_than_the_retention_are_deleted_and_newer_ones_kept()
    {
        using var data = new TempDirectory("retention");
        var logs = Directory.CreateDirectory(data.Combine("logs")).FullName;
        var today = DateTime.Now.Date;
        foreach (var daysAgo in new[] { 1, 2, 5, 40, 400 })
        {
            File.WriteAllText(Path.Combine(logs, $"appliance-{today.AddDays(-daysAgo):yyyyMMdd}.log"), "old\n");
        }

        File.WriteAllText(Path.Combine(logs, "unrelated.txt"), "not a log\n");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:RetainedDays"] = "3" }).Build();
        using (var logger = ApplianceLogging.Configure(new LoggerConfiguration(), configuration, new DataDirectory(data.Path), console: false).CreateLogger())
        {
            logger.Information("Opened today's file for {Contact}", "+919812345678");
        }

        var left = Directory.GetFiles(logs).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(
            new[] { $"appliance-{today.AddDays(-2):yyyyMMdd}.log", $"appliance-{today.AddDays(-1):yyyyMMdd}.log", $"appliance-{today:yyyyMMdd}.log", "unrelated.txt" }.Order(),
            left);
        var todays = File.ReadAllText(Path.Combine(logs, $"appliance-{today:yyyyMMdd}.log"));
        Assert.Contains("+91********78", todays);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[INF\]", todays);
    }
}
