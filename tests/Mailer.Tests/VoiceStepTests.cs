using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Mailer.Tests;

/// <summary>
/// Voice steps through the real appliance: the step queues a call through the dialer's placement, the simulator
/// plays it out on fake time, and the step records the outcome before the sequence moves on.
/// </summary>
public sealed class VoiceStepTests
{
    private static object Contact(string name, string phone, string? email = null, string? consent = "website_form") => new
    {
        first_name = name,
        emails = email is null ? Array.Empty<string>() : [email],
        phone_numbers = new[] { phone },
        consent_capture = consent,
    };

    private static DateTimeOffset At(JsonNode? value) =>
        DateTimeOffset.Parse((string?)value ?? throw new Xunit.Sdk.XunitException("no timestamp"), System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<JsonNode> StepAsync(MailerHarness h, JsonNode started, int position) =>
        (await h.StoredEnrollmentAsync((string)started["enrollment_id"]!))["steps"]![position]!;

    [Fact]
    public async Task A_voice_only_template_dials_the_contact_and_records_the_outcome()
    {
        var (h, playbook) = await VoiceHarness.StartAsync();
        await using var _ = h;
        await (await h.Admin.PatchJsonAsync("/api/v1/org", new { admin_emails = new[] { "boss@cualify.test" } })).ExpectAsync(200);
        var template = await VoiceOnlyTemplateAsync(h, playbook, "Renewal call");

        // Through the review gate, so the step runner (not the fast path) places the calls.
        var answers = await h.StartSequenceAsync(new { template_id = template, contact = Contact("Riya", "+919812345600", "riya@example.in") });
        var busy = await h.StartSequenceAsync(new { template_id = template, contact = Contact("Dev", "+919812345681") });
        Assert.Empty(await h.CallsAsync());
        foreach (var started in new[] { answers, busy })
        {
            await (await h.Admin.PostAsync($"/api/v1/sequences/enrollments/{started["enrollment_id"]}/approve", null)).ExpectAsync(200);
        }

        await h.AdvanceUntilAsync(async () => (await h.CallsAsync()) is { Count: 2 } calls && calls.All(c => c.IsFinal), "both calls ending");

        var answered = await h.StoredEnrollmentAsync((string)answers["enrollment_id"]!);
        Assert.Equal("completed", (string?)answered["status"]);
        var step = answered["steps"]![0]!;
        Assert.Equal("sent", (string?)step["status"]);
        Assert.Equal("answered", (string?)step["call_outcome"]);
        var call = await h.CallViewAsync((string)step["call_id"]!);
        Assert.Equal("completed", (string?)call["status"]);
        Assert.Equal(playbook, (string?)call["agent_id"]);
        Assert.Equal("+919812345600", (string?)call["to_e164"]);
        Assert.Equal((string?)answers["contact_id"], (string?)call["contact_id"]);
        Assert.Equal((string?)answers["enrollment_id"], (string?)call["metadata"]!["sequence"]!["enrollment_id"]);
        Assert.Equal(template, (string?)call["metadata"]!["sequence"]!["template_id"]);
        Assert.Equal(0, (int?)call["metadata"]!["sequence"]!["step"]);
        Assert.Equal(At(call["started_at"]), At(step["sent_at"]));

        var notAnswered = await StepAsync(h, busy, 0);
        Assert.Equal("failed", (string?)notAnswered["status"]);
        Assert.Equal("busy", (string?)notAnswered["call_outcome"]);
        Assert.Equal("busy", (string?)(await h.CallViewAsync((string)notAnswered["call_id"]!))["status"]);
        Assert.Equal("completed", (string?)(await h.StoredEnrollmentAsync((string)busy["enrollment_id"]!))["status"]);

        // One call each, and no email to the contact who has an address: the template allows only voice.
        Assert.Equal(2, (await h.CallsAsync()).Count);
        Assert.Empty(h.Smtp.MessagesTo("riya@example.in"));
    }

    [Fact]
    public async Task Auto_approve_with_a_voice_first_step_dials_at_once()
    {
        var (h, playbook) = await VoiceHarness.StartAsync();
        await using var _ = h;
        var template = await VoiceOnlyTemplateAsync(h, playbook, "Call now");

        var started = await h.StartSequenceAsync(new { template_id = template, contact = Contact("Riya", "+919812345689"), auto_approve = true });
        Assert.Equal("active", (string?)started["status"]);

        // The call was queued in the same transaction as the enrollment: it is there as soon as the response is.
        var step = await StepAsync(h, started, 0);
        Assert.Equal("sending", (string?)step["status"]);
        var callId = (string)step["call_id"]!;
        Assert.NotNull(await h.CallAsync(callId));

        // The dialer takes it without the clock moving: no tick is waited for.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while ((await h.CallAsync(callId))!.Status == CallStatus.Queued)
        {
            Assert.True(DateTime.UtcNow < deadline, "the call was not dialed without a clock tick");
            await Task.Delay(20);
        }

        var dialed = (await h.CallAsync(callId))!;
        Assert.Equal<DateTimeOffset?>(VoiceHarness.MondayMorningInIndia, dialed.StartedAt);

        await h.AdvanceUntilAsync(async () => (await h.CallAsync(callId))!.IsFinal, "the call ending");
        var ended = await StepAsync(h, started, 0);
        Assert.Equal("sent", (string?)ended["status"]);
        Assert.Equal("voicemail", (string?)ended["call_outcome"]);
        Assert.Equal("completed", (string?)(await h.StoredEnrollmentAsync((string)started["enrollment_id"]!))["status"]);
    }

    [Fact]
    public async Task An_email_then_voice_sequence_sends_the_email_then_dials_after_the_delay()
    {
        var (h, playbook) = await VoiceHarness.StartAsync();
        await using var _ = h;
        var template = await h.CreateTemplateAsync(new
        {
            name = "Email, then call",
            allowed_channels = new[] { "email", "voice" },
            steps = new object[]
            {
                new { channel = "email", delay_minutes = 0, subject = "Your renewal, {{ contact.first_name }}", body = "We will call you soon." },
                new { channel = "voice", delay_minutes = 30, agent_id = playbook },
            },
        });

        var started = await h.StartSequenceAsync(new { template_id = template, contact = Contact("Riya", "+919812345600", "riya@example.in"), auto_approve = true });
        await h.Smtp.WaitForMessagesAsync("riya@example.in", 1);
        await h.WaitForEnrollmentAsync((string)started["enrollment_id"]!, e => (string?)e["steps"]![0]!["status"] == "sent", "the email recorded as sent");
        var email = await StepAsync(h, started, 0);
        var sentAt = At(email["sent_at"]);
        var scheduled = At((await StepAsync(h, started, 1))["scheduled_at"]);
        Assert.Equal(sentAt.AddMinutes(30), scheduled);

        // Nothing is dialed before the delay is over.
        await h.AdvanceUntilAsync(() => Task.FromResult(h.Time!.GetUtcNow() >= scheduled.AddMinutes(-1)), "the minute before the call", TimeSpan.FromMinutes(1), TimeSpan.FromHours(1));
        Assert.Empty(await h.CallsAsync());

        await h.AdvanceUntilAsync(async () => (await h.CallsAsync()).Count == 1, "the call being queued", TimeSpan.FromSeconds(10));
        var call = Assert.Single(await h.CallsAsync());
        Assert.True(call.CreatedAt >= scheduled, $"the call was queued at {call.CreatedAt:O}, before its step was due at {scheduled:O}");
        await h.AdvanceUntilAsync(async () => (await h.CallAsync(call.Id))!.IsFinal, "the call ending");

        var enrollment = await h.StoredEnrollmentAsync((string)started["enrollment_id"]!);
        Assert.Equal("completed", (string?)enrollment["status"]);
        Assert.Equal(call.Id, (string?)enrollment["steps"]![1]!["call_id"]);
        Assert.Equal("answered", (string?)enrollment["steps"]![1]!["call_outcome"]);
        Assert.Single(h.Smtp.MessagesTo("riya@example.in"));
    }

    [Fact]
    public async Task A_refused_call_to_an_opted_out_number_does_not_dial_and_stops_the_enrollment()
    {
        var (h, playbook) = await VoiceHarness.StartAsync();
        await using var _ = h;
        var template = await CallThenEmailTemplateAsync(h, playbook, emailDelayMinutes: 0, emailSubject: "Sorry we missed you");
        var contact = await (await h.Admin.PostJsonAsync("/api/v1/contacts", new { phone_e164 = "+919812345600", name = "Riya", consent_capture = "website_form" })).ExpectAsync(200);
        await (await h.Admin.PostJsonAsync($"/api/v1/contacts/{contact["data"]!["id"]}/opt-out", new { channel = "voice" })).ExpectAsync(200);

        var started = await h.StartSequenceAsync(new { template_id = template, contact = Contact("Riya", "+919812345600", "riya@example.in"), auto_approve = true });

        Assert.Equal("stopped_opt_out", (string?)started["status"]);
        var enrollment = await h.StoredEnrollmentAsync((string)started["enrollment_id"]!);
        Assert.Equal("stopped_opt_out", (string?)enrollment["status"]);
        var step = enrollment["steps"]![0]!;
        Assert.Equal("canceled", (string?)step["status"]);
        Assert.Null(step["call_id"]);
        Assert.StartsWith("opted_out", (string?)step["error"]);
        Assert.Equal("canceled", (string?)enrollment["steps"]![1]!["status"]);
        var stopped = Assert.Single(await h.EventsAsync("sequence.stopped"));
        Assert.Equal("stopped_opt_out", (string?)stopped["status"]);

        await h.AdvanceUntilAsync(() => Task.FromResult(true), "settling", TimeSpan.FromMinutes(1));
        h.Advance(TimeSpan.FromMinutes(5));
        await h.SettleAsync();
        Assert.Empty(await h.CallsAsync());
        Assert.Empty(h.Smtp.MessagesTo("riya@example.in"));
    }

    [Fact]
    public async Task A_callee_who_presses_9_stops_the_sequence_before_its_next_email()
    {
        var (h, playbook) = await VoiceHarness.StartAsync();
        await using var _ = h;
        var template = await CallThenEmailTemplateAsync(h, playbook, emailDelayMinutes: 5, emailSubject: "Following up");

        var started = await h.StartSequenceAsync(new { template_id = template, contact = Contact("Riya", "+919812345687", "riya@example.in"), auto_approve = true });
        var callId = (string)(await StepAsync(h, started, 0))["call_id"]!;
        await h.AdvanceUntilAsync(async () => (await h.CallAsync(callId))!.IsFinal, "the call ending", limit: TimeSpan.FromMinutes(5));

        var enrollment = await h.StoredEnrollmentAsync((string)started["enrollment_id"]!);
        Assert.Equal("stopped_opt_out", (string?)enrollment["status"]);
        Assert.Equal("opted_out", (string?)enrollment["steps"]![0]!["call_outcome"]);
        Assert.Equal("canceled", (string?)enrollment["steps"]![1]!["status"]);
        h.Advance(TimeSpan.FromMinutes(10));
        await h.SettleAsync();
        Assert.Empty(h.Smtp.MessagesTo("riya@example.in"));
    }

    [Fact]
    public async Task Stopping_an_enrollment_cancels_its_call_still_waiting_for_calling_hours()
    {
        var (h, playbook) = await VoiceHarness.StartAsync();
        await using var _ = h;
        var template = await VoiceOnlyTemplateAsync(h, playbook, "Call");

        // 23:00 on Sunday in San Francisco: the call is accepted and waits for Monday 09:00 there (16:00 UTC).
        var started = await h.StartSequenceAsync(new { template_id = template, contact = Contact("Sam", "+14158675300"), auto_approve = true });
        var step = await StepAsync(h, started, 0);
        Assert.Equal("sending", (string?)step["status"]);
        var waiting = (await h.CallAsync((string)step["call_id"]!))!;
        Assert.Equal(CallStatus.Queued, waiting.Status);
        Assert.Equal(DateTimeOffset.Parse("2026-06-01T16:00:00Z", System.Globalization.CultureInfo.InvariantCulture), waiting.ScheduledFor);
        Assert.Equal(waiting.ScheduledFor, At(step["scheduled_at"]));

        var stopped = (await (await h.Admin.PostAsync($"/api/v1/sequences/enrollments/{started["enrollment_id"]}/stop", null)).ExpectAsync(200))["data"]!;
        Assert.Equal("canceled", (string?)stopped["status"]);
        Assert.Equal("canceled", (string?)stopped["steps"]![0]!["status"]);
        var call = (await h.CallAsync(waiting.Id))!;
        Assert.Equal(CallStatus.Canceled, call.Status);
        Assert.Null(call.StartedAt);
    }

    [Fact]
    public async Task A_voice_step_must_name_a_playbook_of_the_org()
    {
        var (h, playbook) = await VoiceHarness.StartAsync();
        await using var _ = h;
        await (await h.Admin.PostJsonAsync("/api/v1/sequences/templates", new
        {
            name = "Call",
            allowed_channels = new[] { "email", "voice" },
            steps = new object[]
            {
                new { channel = "email", delay_minutes = 0, subject = "Hi", body = "Hello" },
                new { channel = "voice", delay_minutes = 0, agent_id = "0197a0b0-0000-7000-8000-000000000000" },
            },
        })).ExpectErrorAsync(422, "invalid_request", "steps[1].agent_id");

        var template = await VoiceOnlyTemplateAsync(h, playbook, "Call");
        await (await h.Admin.PatchJsonAsync($"/api/v1/sequences/templates/{template}", new
        {
            steps = new object[] { new { channel = "voice", delay_minutes = 0, agent_id = "playbook-callback" } },
        })).ExpectErrorAsync(422, "invalid_request", "steps[0].agent_id");
    }

    [Fact]
    public async Task A_voice_step_for_a_contact_without_consent_is_skipped_and_the_sequence_moves_on()
    {
        var (h, playbook) = await VoiceHarness.StartAsync();
        await using var _ = h;
        var template = await CallThenEmailTemplateAsync(h, playbook, emailDelayMinutes: 0, emailSubject: "Sorry we missed you");

        var started = await h.StartSequenceAsync(new { template_id = template, contact = Contact("Riya", "+919812345600", "riya@example.in", consent: null), auto_approve = true });
        await h.Smtp.WaitForMessagesAsync("riya@example.in", 1);
        var enrollment = await h.WaitForEnrollmentAsync((string)started["enrollment_id"]!, e => (string?)e["status"] == "completed", "completed");
        Assert.Equal("skipped", (string?)enrollment["steps"]![0]!["status"]);
        Assert.StartsWith("no_consent", (string?)enrollment["steps"]![0]!["error"]);
        Assert.Equal("sent", (string?)enrollment["steps"]![1]!["status"]);
        Assert.Empty(await h.CallsAsync());
    }

    [Fact]
    public async Task A_voice_step_without_credits_waits_and_dials_once_the_org_is_topped_up()
    {
        var (h, playbook) = await VoiceHarness.StartAsync(creditsPaise: 0);
        await using var _ = h;
        var template = await VoiceOnlyTemplateAsync(h, playbook, "Call");

        var started = await h.StartSequenceAsync(new { template_id = template, contact = Contact("Riya", "+919812345600"), auto_approve = true });
        Assert.Equal("active", (string?)started["status"]);
        var waiting = await StepAsync(h, started, 0);
        Assert.Equal("scheduled", (string?)waiting["status"]);
        Assert.StartsWith("insufficient_credits", (string?)waiting["error"]);
        Assert.Equal(VoiceHarness.MondayMorningInIndia.AddHours(1), At(waiting["scheduled_at"]));
        Assert.Empty(await h.CallsAsync());

        await h.TopUpAsync(1_000_000);
        await h.AdvanceUntilAsync(async () => (await h.CallsAsync()).Count == 1, "the call being queued after the top-up", TimeSpan.FromMinutes(5), TimeSpan.FromHours(2));
        var call = Assert.Single(await h.CallsAsync());
        Assert.True(call.CreatedAt >= VoiceHarness.MondayMorningInIndia.AddHours(1));
        await h.AdvanceUntilAsync(async () => (await h.CallAsync(call.Id))!.IsFinal, "the call ending");
        var enrollment = await h.StoredEnrollmentAsync((string)started["enrollment_id"]!);
        Assert.Equal("completed", (string?)enrollment["status"]);
        Assert.Equal("sent", (string?)enrollment["steps"]![0]!["status"]);
        Assert.Equal(2, (int?)enrollment["steps"]![0]!["attempts"]);
    }

    /// <summary>A template of one voice step, due at once, with only the voice channel allowed.</summary>
    private static Task<string> VoiceOnlyTemplateAsync(MailerHarness h, string playbook, string name) => h.CreateTemplateAsync(new
    {
        name,
        allowed_channels = new[] { "voice" },
        steps = new object[] { new { channel = "voice", delay_minutes = 0, agent_id = playbook } },
    });

    /// <summary>A voice step due at once, then an email step after <paramref name="emailDelayMinutes"/>.</summary>
    private static Task<string> CallThenEmailTemplateAsync(MailerHarness h, string playbook, int emailDelayMinutes, string emailSubject) => h.CreateTemplateAsync(new
    {
        name = "Call, then email",
        allowed_channels = new[] { "email", "voice" },
        steps = new object[]
        {
            new { channel = "voice", delay_minutes = 0, agent_id = playbook },
            new { channel = "email", delay_minutes = emailDelayMinutes, subject = emailSubject, body = "Hello" },
        },
    });
}
