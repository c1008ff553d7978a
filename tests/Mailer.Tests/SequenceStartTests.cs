using System.Text.Json.Nodes;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Mailer.Tests;

/// <summary>The rules of POST /sequences/start: contact upsert, notes, idempotency, the review gate, the fast path.</summary>
public sealed class SequenceStartTests
{
    private static object EmailTemplate(string name = "Inbound lead") => new
    {
        name,
        allowed_channels = new[] { "email" },
        steps = new object[]
        {
            new { channel = "email", delay_minutes = 0, subject = "Hello {{ contact.first_name }}", body = "Hi {{ contact.first_name }},\nthanks for asking about pricing." },
            new { channel = "email", delay_minutes = 60, body = "Just following up, {{ contact.first_name }}." },
        },
        stop_on_reply = true,
    };

    [Fact]
    public async Task An_existing_contact_is_matched_by_email_ignoring_case_and_new_notes_are_appended()
    {
        await using var h = await MailerHarness.StartAsync();
        var contact = await (await h.Admin.PostJsonAsync("/api/v1/contacts", new
        {
            phone_e164 = "+919812345678", first_name = "Maria", email = "Maria.Lopez@Example.com", notes = "Met at the Madrid expo.",
        })).ExpectAsync(200);
        var contactId = (string)contact["data"]!["id"]!;
        var template = await h.CreateTemplateAsync(EmailTemplate());

        var started = await h.StartSequenceAsync(new
        {
            template_id = template,
            contact = new { first_name = "Maria", emails = new[] { "maria.lopez@EXAMPLE.com" }, notes = "Speaks Spanish. Asked about pricing." },
            auto_approve = true,
        });

        Assert.Equal(contactId, (string?)started["contact_id"]);
        Assert.Equal("active", (string?)started["status"]);
        Assert.StartsWith("enr_", (string?)started["enrollment_id"]);
        var notes = (string)(await h.ContactAsync(contactId))["notes"]!;
        Assert.StartsWith("Met at the Madrid expo.", notes);
        Assert.Matches(@"\n\n\[via API \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\] Speaks Spanish\. Asked about pricing\.$", notes);
        Assert.Equal(1, await h.CountAsync("SELECT count(*) FROM contacts"));
    }

    [Fact]
    public async Task Without_an_email_match_the_contact_is_found_by_phone_and_a_new_one_is_made_only_when_nothing_matches()
    {
        await using var h = await MailerHarness.StartAsync();
        var existing = (string)(await (await h.Admin.PostJsonAsync("/api/v1/contacts", new { phone_e164 = "+34911234567", first_name = "Maria" })).ExpectAsync(200))["data"]!["id"]!;
        var template = await h.CreateTemplateAsync(EmailTemplate());

        var byPhone = await h.StartSequenceAsync(new
        {
            template_id = template,
            contact = new { first_name = "Maria", emails = new[] { "maria@example.es" }, phone_numbers = new[] { "+34 911 23 45 67" } },
            auto_approve = true,
        });
        Assert.Equal(existing, (string?)byPhone["contact_id"]);
        Assert.Equal("maria@example.es", (string?)(await h.ContactAsync(existing))["email"]);

        var fresh = await h.StartSequenceAsync(new
        {
            template_id = template,
            contact = new { first_name = "Lena", emails = new[] { "lena@example.de" }, notes = "From the website form." },
            auto_approve = true,
        });
        Assert.NotEqual(existing, (string?)fresh["contact_id"]);
        var lena = await h.ContactAsync((string)fresh["contact_id"]!);
        Assert.Null((string?)lena["phone_e164"]);
        Assert.Matches(@"^\[via API [^\]]+Z\] From the website form\.$", (string)lena["notes"]!);
    }

    [Fact]
    public async Task The_same_idempotency_key_returns_the_original_ids_and_creates_nothing_whatever_the_body_of_the_repeat()
    {
        await using var h = await MailerHarness.StartAsync();
        var template = await h.CreateTemplateAsync(EmailTemplate());
        var body = new
        {
            template_id = template,
            contact = new { first_name = "Maria", emails = new[] { "maria@example.com" }, notes = "Speaks Spanish." },
            auto_approve = true,
            idempotency_key = "lead_20260506_84211",
        };
        var first = await h.StartSequenceAsync(body, 201);
        await h.Smtp.WaitForMessagesAsync("maria@example.com", 1);

        var again = await h.StartSequenceAsync(body, 200);

        Assert.Equal((string?)first["enrollment_id"], (string?)again["enrollment_id"]);
        Assert.Equal((string?)first["contact_id"], (string?)again["contact_id"]);
        Assert.Equal(1, await h.CountAsync("SELECT count(*) FROM sequence_enrollments"));
        var created = Assert.Single(await h.EventsAsync("sequence.enrollment_created"));
        Assert.Equal("active", (string?)created["status"]);
        Assert.Equal((string?)first["enrollment_id"], (string?)created["enrollment_id"]);
        Assert.DoesNotContain("\n\n", (string)(await h.ContactAsync((string)first["contact_id"]!))["notes"]!);
        await Task.Delay(300);
        Assert.Single(h.Smtp.MessagesTo("maria@example.com"));

        // SPEC §2: no 409 for the body key, even when the repeat names another person.
        var changed = new { body.template_id, contact = new { first_name = "Maria", emails = new[] { "other@example.com" } }, body.auto_approve, body.idempotency_key };
        var repeat = await h.StartSequenceAsync(changed, 200);
        Assert.Equal((string?)first["enrollment_id"], (string?)repeat["enrollment_id"]);
        Assert.Equal((string?)first["contact_id"], (string?)repeat["contact_id"]);
        Assert.Equal(1, await h.CountAsync("SELECT count(*) FROM contacts WHERE email = 'other@example.com' OR email = 'maria@example.com'"));
    }

    [Fact]
    public async Task Without_auto_approve_the_admins_get_the_approve_link_and_nothing_goes_out_until_an_admin_approves()
    {
        await using var h = await MailerHarness.StartAsync();
        await (await h.Admin.PatchJsonAsync("/api/v1/org", new { admin_emails = new[] { "boss@cualify.test" } })).ExpectAsync(200);
        var template = await h.CreateTemplateAsync(EmailTemplate());

        var started = await h.StartSequenceAsync(new
        {
            template_id = template,
            contact = new { first_name = "Maria", emails = new[] { "maria@example.com" } },
            auto_approve = false,
        });
        var enrollmentId = (string)started["enrollment_id"]!;
        Assert.Equal("pending_review", (string?)started["status"]);

        var notice = (await h.Smtp.WaitForMessagesAsync("boss@cualify.test", 1))[0];
        Assert.Contains($"POST http://127.0.0.1:0/api/v1/sequences/enrollments/{enrollmentId}/approve", notice.TextBody);
        Assert.Contains("Hello Maria", notice.TextBody);
        Assert.Empty(h.Smtp.MessagesTo("maria@example.com"));
        var pending = await h.EnrollmentAsync(enrollmentId);
        Assert.All(pending["steps"]!.AsArray(), s => Assert.Equal("pending", (string?)s!["status"]));

        var writeKey = (string)(await (await h.Admin.PostJsonAsync("/api/v1/api-keys", new { name = "backend", scope = "write" })).ExpectAsync(201))["key"]!;
        using var backend = h.App.Client(writeKey);
        await (await backend.PostAsync($"/api/v1/sequences/enrollments/{enrollmentId}/approve", null)).ExpectErrorAsync(403, "forbidden");

        var approved = (await (await h.Admin.PostAsync($"/api/v1/sequences/enrollments/{enrollmentId}/approve", null)).ExpectAsync(200))["data"]!;
        Assert.Equal("active", (string?)approved["status"]);
        var sent = (await h.Smtp.WaitForMessagesAsync("maria@example.com", 1))[0];
        Assert.Equal("Hello Maria", sent.Subject);
        await (await h.Admin.PostAsync($"/api/v1/sequences/enrollments/{enrollmentId}/approve", null)).ExpectErrorAsync(409, "conflict");
    }

    [Fact]
    public async Task Stop_cancels_the_remaining_steps_and_a_foreign_or_unknown_enrollment_is_not_found()
    {
        await using var h = await MailerHarness.StartAsync();
        var template = await h.CreateTemplateAsync(EmailTemplate());
        var started = await h.StartSequenceAsync(new
        {
            template_id = template,
            contact = new { first_name = "Maria", emails = new[] { "maria@example.com" } },
            auto_approve = true,
        });
        var id = (string)started["enrollment_id"]!;
        await h.WaitForEnrollmentAsync(id, e => (string?)e["steps"]![0]!["status"] == "sent", "its first step sent");

        var stopped = (await (await h.Admin.PostAsync($"/api/v1/sequences/enrollments/{id}/stop", null)).ExpectAsync(200))["data"]!;

        Assert.Equal("canceled", (string?)stopped["status"]);
        Assert.Equal("canceled", (string?)stopped["steps"]![1]!["status"]);
        var stoppedEvent = Assert.Single(await h.EventsAsync("sequence.stopped"));
        Assert.Equal("canceled", (string?)stoppedEvent["status"]);
        await (await h.Admin.GetAsync("/api/v1/sequences/enrollments/enr_0000")).ExpectErrorAsync(404, "not_found");
        await (await h.Admin.PostJsonAsync("/api/v1/sequences/start", new
        {
            template_id = "tpl_missing",
            contact = new { first_name = "Maria", emails = new[] { "maria@example.com" } },
        })).ExpectErrorAsync(404, "not_found", "template_id");
    }

    [Fact]
    public async Task Bad_contact_fields_are_named_in_one_422()
    {
        await using var h = await MailerHarness.StartAsync();
        var template = await h.CreateTemplateAsync(EmailTemplate());

        var error = await (await h.Admin.PostJsonAsync("/api/v1/sequences/start", new
        {
            template_id = template,
            contact = new { first_name = "Maria", emails = new[] { "not-an-address" }, phone_numbers = new[] { "0911 234" } },
        })).ExpectErrorAsync(422, "invalid_request");

        var fields = error["details"]!["fieldErrors"]!.AsObject();
        Assert.True(fields.ContainsKey("contact.emails[0]"), fields.ToJsonString());
        Assert.True(fields.ContainsKey("contact.phone_numbers[0]"), fields.ToJsonString());

        var noAddress = await (await h.Admin.PostJsonAsync("/api/v1/sequences/start", new
        {
            template_id = template,
            contact = new { first_name = "Maria", phone_numbers = new[] { "+34911234567" } },
        })).ExpectErrorAsync(422, "invalid_request", "contact");
        Assert.Contains("email", (string)noAddress["message"]!);
        Assert.Equal(0, await h.CountAsync("SELECT count(*) FROM contacts"));
    }
}
