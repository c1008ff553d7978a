using Cualify.Appliance.Core.AdminNotices;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Mailer.Tests.Servers;
using Cualify.Appliance.Testing;
using MimeKit;

namespace Cualify.Appliance.Mailer.Tests;

/// <summary>With no SMTP server the sequence still runs into the pickup folder; readiness says what the mailer depends on.</summary>
public sealed class FreshInstallTests
{
    [Fact]
    public async Task Without_SMTP_settings_messages_become_eml_files_in_the_outbox_folder()
    {
        await using var app = await RunningAppliance.StartAsync();
        using var admin = app.AdminClient();
        var template = (string)(await (await admin.PostJsonAsync("/api/v1/sequences/templates", new
        {
            name = "Fresh",
            allowed_channels = new[] { "email" },
            steps = new object[] { new { channel = "email", delay_minutes = 0, subject = "Hi {{ contact.first_name }}", body = "Welcome aboard." } },
        })).ExpectAsync(201))["data"]!["id"]!;

        var started = (await (await admin.PostJsonAsync("/api/v1/sequences/start", new
        {
            template_id = template,
            contact = new { first_name = "Maria", emails = new[] { "maria@example.com" } },
            auto_approve = true,
        })).ExpectAsync(201))["data"]!;

        var outbox = Path.Combine(app.DataDir, "outbox");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!Directory.Exists(outbox) || Directory.GetFiles(outbox, "*.eml").Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "no .eml file appeared in the outbox folder");
            await Task.Delay(50);
        }

        var message = MimeMessage.Load(Directory.GetFiles(outbox, "*.eml").Single());
        Assert.Equal("Hi Maria", message.Subject);
        Assert.Equal("maria@example.com", message.To.Mailboxes.Single().Address);
        Assert.Contains("Welcome aboard.", message.TextBody);
        Assert.Empty(Directory.GetFiles(outbox, "*.tmp"));

        var ready = await (await app.Client().GetAsync("/readyz")).ExpectAsync(200);
        Assert.Contains("outbox", (string?)ready["checks"]!["smtp"]!["detail"]);
        Assert.NotNull(started["enrollment_id"]);
    }

    [Fact]
    public async Task Readiness_fails_naming_SMTP_when_the_configured_server_does_not_answer()
    {
        await using var app = await RunningAppliance.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Mailer:Smtp:Host"] = "127.0.0.1",
            ["Mailer:Smtp:Port"] = FreePorts.Tcp().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mailer:Smtp:Security"] = "none",
            ["Mailer:Smtp:Username"] = "mailer",
            ["Mailer:Smtp:Password"] = "s3cret-smtp-password",
        });

        var response = await app.Client().GetAsync("/readyz");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(503, (int)response.StatusCode);
        Assert.Contains("smtp", body);
        Assert.DoesNotContain("s3cret-smtp-password", body);
    }

    [Fact]
    public async Task An_invalid_mailer_setting_stops_start_up_naming_it()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => RunningAppliance.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Mailer:Smtp:Host"] = "127.0.0.1",
            ["Mailer:Smtp:Security"] = "ssl3",
        }));
        Assert.Contains("Mailer:Smtp:Security", error.Message);
    }

    [Fact]
    public async Task Any_feature_can_email_the_org_admins_through_an_admin_notice()
    {
        await using var h = await MailerHarness.StartAsync();
        await (await h.Admin.PatchJsonAsync("/api/v1/org", new { admin_emails = new[] { "ops@cualify.test", "cto@cualify.test" } })).ExpectAsync(200);
        var org = await h.App.Get<OrgStore>().FindAsync(OrgStore.DefaultName);

        await h.App.Get<ApplianceStore>().WriteAsync(tx => h.App.Get<AdminNoticeStore>().QueueAsync(tx, org!.Id, "Webhook disabled", "https://crm.example.com/hook failed for 72 h."));

        var notice = (await h.Smtp.WaitForMessagesAsync("ops@cualify.test", 1))[0];
        Assert.Equal("Webhook disabled", notice.Subject);
        Assert.Contains("cto@cualify.test", notice.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("auto-generated", notice.Headers[HeaderId.AutoSubmitted]);
        // The server has the message; the mailer records it a moment later.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Assert.Single(await h.App.Get<AdminNoticeStore>().ListAsync(org!.Id)).Status != "sent")
        {
            Assert.True(DateTime.UtcNow < deadline, "the notice was never recorded as sent");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Erasing_a_contact_removes_their_enrollments_and_scrubs_their_email_events()
    {
        await using var h = await MailerHarness.StartAsync();
        var template = await h.CreateTemplateAsync(new
        {
            name = "One",
            allowed_channels = new[] { "email" },
            steps = new object[] { new { channel = "email", delay_minutes = 0, subject = "Hi", body = "Hello" } },
        });
        var started = await h.StartSequenceAsync(new { template_id = template, contact = new { first_name = "Maria", emails = new[] { "maria@example.com" } }, auto_approve = true });
        await h.WaitForEnrollmentAsync((string)started["enrollment_id"]!, e => (string?)e["status"] == "completed", "completed");

        await (await h.Admin.DeleteAsync($"/api/v1/contacts/{started["contact_id"]}")).ExpectAsync(200);

        await (await h.Admin.GetAsync($"/api/v1/sequences/enrollments/{started["enrollment_id"]}")).ExpectErrorAsync(404, "not_found");
        Assert.DoesNotContain("maria@example.com", string.Join("\n", (await h.EventsAsync("email.sent")).Select(e => e.ToJsonString())));
    }
}
