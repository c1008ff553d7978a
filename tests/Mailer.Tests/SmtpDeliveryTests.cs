using Cualify.Appliance.Testing;
using MimeKit;

namespace Cualify.Appliance.Mailer.Tests;

/// <summary>What reaches a real SMTP server: headers, threading, language, and what happens on 451 and 550.</summary>
public sealed class SmtpDeliveryTests
{
    private static object TwoStepTemplate => new
    {
        name = "Pricing follow-up",
        allowed_channels = new[] { "email" },
        steps = new object[]
        {
            new { channel = "email", delay_minutes = 0, subject = "{{ contact.first_name }}, your pricing", body = "Hi {{ contact.first_name }}, here is the pricing for {{ contact.metadata.company }}." },
            new { channel = "email", delay_minutes = 0, body = "Any questions, {{ contact.first_name }}?" },
            new { channel = "email", delay_minutes = 0, body = "Last note, {{ contact.first_name }}." },
        },
        variants_by_language = new Dictionary<string, object>
        {
            ["es"] = new
            {
                steps = new object[]
                {
                    new { subject = "{{ contact.first_name }}, sus precios", body = "Hola {{ contact.first_name }}, aquí están los precios para {{ contact.metadata.company }}.\nNotas: {{ contact.notes }}" },
                    new { body = "¿Alguna pregunta, {{ contact.first_name }}?" },
                    new { body = "Última nota, {{ contact.first_name }}." },
                },
            },
        },
    };

    [Fact]
    public async Task Messages_carry_our_Message_ID_thread_under_the_first_and_offer_one_click_unsubscribe_in_the_contacts_language()
    {
        await using var h = await MailerHarness.StartAsync(publicUrl: true);
        var template = await h.CreateTemplateAsync(TwoStepTemplate);

        var started = await h.StartSequenceAsync(new
        {
            template_id = template,
            contact = new
            {
                first_name = "María",
                emails = new[] { "maria@example.es" },
                language_pref = "es-ES",
                notes = "Habla español.",
                metadata = new { company = "Acme Ibérica" },
            },
            auto_approve = true,
        });

        var messages = await h.Smtp.WaitForMessagesAsync("maria@example.es", 3);
        var enrollment = await h.WaitForEnrollmentAsync((string)started["enrollment_id"]!, e => (string?)e["status"] == "completed", "completed");
        var (first, second, third) = (messages[0], messages[1], messages[2]);

        Assert.Equal("María, sus precios", first.Subject);
        Assert.Contains("Hola María, aquí están los precios para Acme Ibérica.", first.TextBody);
        Assert.Contains("Habla español.", first.TextBody);
        Assert.Equal("sales@cualify.test", first.From.Mailboxes.Single().Address);
        Assert.Equal("es", (string?)enrollment["language"]);
        Assert.Equal($"<{first.MessageId}>", (string?)enrollment["steps"]![0]!["message_id"]);
        Assert.EndsWith("@cualify.test", first.MessageId);
        Assert.Null(first.InReplyTo);

        Assert.Equal("Re: María, sus precios", second.Subject);
        Assert.Contains("¿Alguna pregunta, María?", second.TextBody);
        Assert.Equal(first.MessageId, second.InReplyTo);
        Assert.Equal(new[] { first.MessageId }, second.References.ToArray());
        Assert.Equal(second.MessageId, third.InReplyTo);
        Assert.Equal(new[] { first.MessageId, second.MessageId }, third.References.ToArray());
        Assert.Equal(3, messages.Select(m => m.MessageId).Distinct().Count());

        var listUnsubscribe = first.Headers[HeaderId.ListUnsubscribe]!;
        Assert.Matches(@"^<mailto:sales@cualify\.test\?subject=unsubscribe%20[0-9a-f]{32}>, <http://127\.0\.0\.1:\d+/api/v1/sequences/unsubscribe/[0-9a-f]{32}>$",
            listUnsubscribe.Replace("\r\n", "").Replace("\n", ""));
        Assert.Equal("List-Unsubscribe=One-Click", first.Headers[HeaderId.ListUnsubscribePost]);

        var sent = await h.EventsAsync("email.sent");
        Assert.Equal(3, sent.Count);
        Assert.Equal($"<{first.MessageId}>", (string?)sent[0]["message_id"]);
        Assert.Single(await h.EventsAsync("sequence.completed"));
    }

    [Fact]
    public async Task Without_a_public_URL_only_the_mailto_unsubscribe_is_offered()
    {
        await using var h = await MailerHarness.StartAsync();
        var template = await h.CreateTemplateAsync(TwoStepTemplate);

        await h.StartSequenceAsync(new { template_id = template, contact = new { first_name = "Ann", emails = new[] { "ann@example.com" } }, auto_approve = true });

        var first = (await h.Smtp.WaitForMessagesAsync("ann@example.com", 1))[0];
        Assert.Equal("Ann, your pricing", first.Subject);
        Assert.Matches(@"^<mailto:sales@cualify\.test\?subject=unsubscribe%20[0-9a-f]{32}>$", first.Headers[HeaderId.ListUnsubscribe]);
        Assert.False(first.Headers.Contains(HeaderId.ListUnsubscribePost));
        Assert.Contains("reply with the word unsubscribe", first.TextBody);
    }

    [Fact]
    public async Task A_451_is_retried_until_accepted_and_a_550_is_not_retried_and_marks_the_address_undeliverable()
    {
        await using var h = await MailerHarness.StartAsync(
            reject550: ["gone@example.com"],
            tempfail451: new Dictionary<string, int> { ["busy@example.com"] = 2 },
            settings: new Dictionary<string, string?>
            {
                ["Mailer:RetryDelays:0"] = "00:00:00.300",
                ["Mailer:RetryDelays:1"] = "00:00:00.300",
                ["Mailer:RetryDelays:2"] = "00:00:00.300",
            });
        var template = await h.CreateTemplateAsync(new
        {
            name = "One",
            allowed_channels = new[] { "email" },
            steps = new object[] { new { channel = "email", delay_minutes = 0, subject = "Hi {{ contact.first_name }}", body = "Hello" } },
        });

        var busy = await h.StartSequenceAsync(new { template_id = template, contact = new { first_name = "Busy", emails = new[] { "busy@example.com" } }, auto_approve = true });
        var gone = await h.StartSequenceAsync(new { template_id = template, contact = new { first_name = "Gone", emails = new[] { "gone@example.com" } }, auto_approve = true });
        var fine = await h.StartSequenceAsync(new { template_id = template, contact = new { first_name = "Fine", emails = new[] { "fine@example.com" } }, auto_approve = true });

        await h.Smtp.WaitForMessagesAsync("busy@example.com", 1);
        await h.Smtp.WaitForMessagesAsync("fine@example.com", 1);
        var busyEnrollment = await h.WaitForEnrollmentAsync((string)busy["enrollment_id"]!, e => (string?)e["status"] == "completed", "completed");
        Assert.Equal(3, (int)busyEnrollment["steps"]![0]!["attempts"]!);
        Assert.Equal(["451 busy@example.com", "451 busy@example.com", "250 busy@example.com"], h.Smtp.RecipientAnswers().Where(l => l.EndsWith("busy@example.com")).ToArray());

        var goneEnrollment = await h.WaitForEnrollmentAsync((string)gone["enrollment_id"]!, e => (string?)e["status"] == "stopped_bounce", "stopped_bounce");
        Assert.Equal("bounced", (string?)goneEnrollment["steps"]![0]!["status"]);
        Assert.StartsWith("550", (string?)goneEnrollment["steps"]![0]!["error"]);
        Assert.Equal("undeliverable", (string?)(await h.ContactAsync((string)gone["contact_id"]!))["email_status"]);
        var bounced = Assert.Single(await h.EventsAsync("email.bounced"));
        Assert.Equal("gone@example.com", (string?)bounced["to"]);
        Assert.Equal("smtp", (string?)bounced["source"]);
        await Task.Delay(1000);
        Assert.Single(h.Smtp.RecipientAnswers(), l => l.EndsWith("gone@example.com"));
        Assert.Empty(h.Smtp.MessagesTo("gone@example.com"));
        Assert.Equal("deliverable", (string?)(await h.ContactAsync((string)fine["contact_id"]!))["email_status"]);
    }

    [Fact]
    public async Task A_server_that_keeps_answering_451_fails_the_step_after_the_last_retry()
    {
        await using var h = await MailerHarness.StartAsync(
            tempfail451: new Dictionary<string, int> { ["busy@example.com"] = 100 },
            settings: new Dictionary<string, string?> { ["Mailer:RetryDelays:0"] = "00:00:00.200" });
        var template = await h.CreateTemplateAsync(new
        {
            name = "One",
            allowed_channels = new[] { "email" },
            steps = new object[] { new { channel = "email", delay_minutes = 0, subject = "Hi", body = "Hello" } },
        });

        var busy = await h.StartSequenceAsync(new { template_id = template, contact = new { first_name = "Busy", emails = new[] { "busy@example.com" } }, auto_approve = true });

        var enrollment = await h.WaitForEnrollmentAsync((string)busy["enrollment_id"]!, e => (string?)e["status"] == "completed", "completed");
        Assert.Equal("failed", (string?)enrollment["steps"]![0]!["status"]);
        Assert.StartsWith("451", (string?)enrollment["steps"]![0]!["error"]);
        Assert.Equal(2, h.Smtp.RecipientAnswers().Count);
        Assert.Equal("deliverable", (string?)(await h.ContactAsync((string)busy["contact_id"]!))["email_status"]);
    }
}
