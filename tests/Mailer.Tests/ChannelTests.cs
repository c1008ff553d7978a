using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Mailer.Tests;

/// <summary>A channel not in a template's allowed_channels is never used, whatever the contact has on file.</summary>
public sealed class ChannelTests
{
    [Fact]
    public async Task A_voice_only_template_never_emails_a_contact_who_has_an_address()
    {
        await using var h = await MailerHarness.StartAsync();
        await (await h.Admin.PatchJsonAsync("/api/v1/org", new { admin_emails = new[] { "boss@cualify.test" } })).ExpectAsync(200);
        var playbook = await (await h.Admin.PostJsonAsync("/api/v1/playbooks", new { name = "Callback", language = "es-ES", message_text = "Hola" })).ExpectAsync(201);
        var template = await h.CreateTemplateAsync(new
        {
            name = "Call back now",
            allowed_channels = new[] { "voice" },
            steps = new object[] { new { channel = "voice", delay_minutes = 0, agent_id = (string)playbook["data"]!["id"]!, body = "Callback for {{ contact.first_name }}" } },
        });

        var started = await h.StartSequenceAsync(new
        {
            template_id = template,
            contact = new { first_name = "Maria", emails = new[] { "maria@example.com" }, phone_numbers = new[] { "+34911234567" }, consent_capture = "website_form" },
            auto_approve = true,
        });
        var reviewed = await h.StartSequenceAsync(new
        {
            template_id = template,
            contact = new { first_name = "Lena", emails = new[] { "lena@example.com" }, phone_numbers = new[] { "+4930123456" } },
        });
        await (await h.Admin.PostAsync($"/api/v1/sequences/enrollments/{reviewed["enrollment_id"]}/approve", null)).ExpectAsync(200);

        await h.Smtp.WaitForMessagesAsync("boss@cualify.test", 1);
        await Task.Delay(1000);
        Assert.Empty(h.Smtp.MessagesTo("maria@example.com"));
        Assert.Empty(h.Smtp.MessagesTo("lena@example.com"));
        Assert.Empty(await h.EventsAsync("email.sent"));
        var enrollment = await h.EnrollmentAsync((string)started["enrollment_id"]!);
        var step = Assert.Single(enrollment["steps"]!.AsArray())!;
        Assert.Equal("voice", (string?)step["channel"]);
        Assert.Null(step["message_id"]);
    }

    [Fact]
    public async Task An_email_only_template_refuses_a_contact_with_only_a_phone_number()
    {
        await using var h = await MailerHarness.StartAsync();
        var template = await h.CreateTemplateAsync(new
        {
            name = "Email only",
            allowed_channels = new[] { "email" },
            steps = new object[] { new { channel = "email", delay_minutes = 0, subject = "Hi", body = "Hello" } },
        });

        await (await h.Admin.PostJsonAsync("/api/v1/sequences/start", new
        {
            template_id = template,
            contact = new { first_name = "Maria", phone_numbers = new[] { "+34911234567" } },
            auto_approve = true,
        })).ExpectErrorAsync(422, "invalid_request", "contact");
        Assert.Empty(h.Smtp.Messages());
    }
}
