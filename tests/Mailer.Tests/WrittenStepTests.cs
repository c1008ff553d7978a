using System.Text.Json.Nodes;
using Cualify.Appliance.Mailer.Tests.Servers;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Mailer.Tests;

/// <summary>
/// Written steps (SPEC §2): a stand-in for the customer's chat-completions endpoint writes each step with a writer at
/// enrollment; what it wrote is stored, shown, sent and approved exactly; its failures fall back to the fixed text.
/// </summary>
public sealed class WrittenStepTests
{
    private const string Instructions = "Thank {{ contact.first_name }} for asking about pricing and offer a 15-minute call.";

    internal static object WrittenTemplate(string? fixedSubject = "Your pricing question", string? fixedBody = "Hi {{ contact.first_name }}, thanks for asking about pricing.") => new
    {
        name = "Written lead",
        allowed_channels = new[] { "email" },
        steps = new object[]
        {
            new { channel = "email", delay_minutes = 0, subject = fixedSubject, body = fixedBody, writer = new { instructions = Instructions } },
            new { channel = "email", delay_minutes = 60, body = "Just following up, {{ contact.first_name }}." },
        },
        stop_on_reply = true,
    };

    internal static async Task<(ChatCompletionsStandIn Writer, MailerHarness Harness)> StartAsync(
        bool fakeTime = false, TimeSpan? timeout = null, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var writer = await ChatCompletionsStandIn.StartAsync();
        var settings = writer.WriterSettings(timeout);
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return (writer, await MailerHarness.StartAsync(fakeTime: fakeTime, settings: settings));
    }

    private static object Maria(string templateId, bool autoApprove) => new
    {
        template_id = templateId,
        contact = new { first_name = "María", emails = new[] { "maria@example.es" }, notes = "Speaks Spanish. Located in Madrid." },
        auto_approve = autoApprove,
    };

    private static string Text(MimeKit.MimeMessage message) => (message.TextBody ?? "").Replace("\r\n", "\n");

    [Fact]
    public async Task An_auto_approved_start_with_Spanish_notes_sends_the_Spanish_email_the_writer_wrote()
    {
        var (writer, h) = await StartAsync();
        await using var _ = writer;
        await using var __ = h;
        writer.Respond = call => call.Notes!.Contains("Speaks Spanish", StringComparison.Ordinal)
            ? WriterAnswer.Write($"Hola {call.FirstName}, sobre sus precios", $"Hola {call.FirstName}:\n\nGracias por preguntar por nuestros precios. ¿Le viene bien una llamada de 15 minutos esta semana?")
            : WriterAnswer.Write("Hello", "Thanks for asking.");
        var template = await h.CreateTemplateAsync(WrittenTemplate());

        var started = await h.StartSequenceAsync(Maria(template, true));

        Assert.Equal("active", (string?)started["status"]);
        var sent = (await h.Smtp.WaitForMessagesAsync("maria@example.es", 1))[0];
        Assert.Equal("Hola María, sobre sus precios", sent.Subject);
        Assert.StartsWith("Hola María:\n\nGracias por preguntar por nuestros precios. ¿Le viene bien una llamada de 15 minutos esta semana?\n\n--\nTo stop these emails", Text(sent));
        Assert.NotNull(sent.Headers[MimeKit.HeaderId.ListUnsubscribe]);

        var call = Assert.Single(writer.Calls);
        Assert.Empty(writer.Problems);
        Assert.Equal($"Bearer {ChatCompletionsStandIn.Key}", call.Authorization);
        Assert.Equal(ChatCompletionsStandIn.ModelName, call.Model);
        Assert.Contains("Speaks Spanish. Located in Madrid.", call.Notes);
        Assert.Equal("Thank María for asking about pricing and offer a 15-minute call.", (string?)call.User["instructions"]);

        var step = (await h.EnrollmentAsync((string)started["enrollment_id"]!))["steps"]![0]!;
        Assert.Equal(ChatCompletionsStandIn.ModelName, (string?)step["written_by"]!["model"]);
        Assert.Matches("^[0-9a-f]{64}$", (string)step["written_by"]!["prompt_sha256"]!);
        Assert.Null(step["fallback_reason"]);
        Assert.Equal("Hola María, sobre sus precios", (string?)step["subject"]);
        var second = (await h.EnrollmentAsync((string)started["enrollment_id"]!))["steps"]![1]!;
        Assert.Null(second["written_by"]);
        Assert.Equal("Re: Hola María, sobre sus precios", (string?)second["subject"]);

        // The same form posted again returns the first enrollment and asks the writer nothing.
        var again = await h.StartSequenceAsync(new { template_id = template, contact = new { first_name = "María", emails = new[] { "maria@example.es" }, notes = "Otra vez." }, auto_approve = true, idempotency_key = "form-1" }, 201);
        var repeat = await h.StartSequenceAsync(new { template_id = template, contact = new { first_name = "María", emails = new[] { "maria@example.es" }, notes = "Otra vez." }, auto_approve = true, idempotency_key = "form-1" }, 200);
        Assert.Equal((string?)again["enrollment_id"], (string?)repeat["enrollment_id"]);
        Assert.Equal(2, writer.Calls.Count);

        var metrics = await h.App.Client().GetStringAsync("/metrics");
        Assert.Contains("cualify_sequence_steps_written_total 2", metrics);
        Assert.Contains("cualify_sequence_writer_requests_total{outcome=\"written\"} 2", metrics);
    }

    [Fact]
    public async Task A_slow_writer_falls_back_to_the_fixed_text_when_the_timeout_passes()
    {
        var (writer, h) = await StartAsync(fakeTime: true, timeout: TimeSpan.FromSeconds(20));
        await using var _ = writer;
        await using var __ = h;
        var never = new TaskCompletionSource();
        writer.Respond = _ => WriterAnswer.Slow(never.Task, WriterAnswer.Write("Too late", "Too late."));
        var template = await h.CreateTemplateAsync(WrittenTemplate());

        var starting = h.StartSequenceAsync(Maria(template, true));
        await writer.WaitForCallsAsync(1);
        Assert.False(starting.IsCompleted);
        h.Advance(TimeSpan.FromSeconds(21));
        var started = await starting;

        Assert.Equal("active", (string?)started["status"]);
        var sent = (await h.WaitForMessagesOnFakeTimeAsync("maria@example.es", 1))[0];
        Assert.Equal("Your pricing question", sent.Subject);
        Assert.StartsWith("Hi María, thanks for asking about pricing.\n\n--\n", Text(sent));
        var step = (await h.StoredEnrollmentAsync((string)started["enrollment_id"]!))["steps"]![0]!;
        Assert.Equal("timeout", (string?)step["fallback_reason"]);
        Assert.Null(step["written_by"]);
        Assert.Contains("cualify_sequence_writer_fallbacks_total{reason=\"timeout\"} 1", await h.App.Client().GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task Review_then_approve_sends_exactly_what_the_review_email_showed_without_asking_the_writer_again()
    {
        var (writer, h) = await StartAsync();
        await using var _ = writer;
        await using var __ = h;
        await (await h.Admin.PatchJsonAsync("/api/v1/org", new { admin_emails = new[] { "boss@cualify.test" } })).ExpectAsync(200);
        writer.Respond = call => WriterAnswer.Write(
            "Precios para  <b>Madrid</b>\nequipo",
            "<p>Hola María,</p><p>le escribo por su consulta.<br>Un saludo</p><script>alert('x')</script>");
        var template = await h.CreateTemplateAsync(WrittenTemplate());

        var started = await h.StartSequenceAsync(Maria(template, false));
        var enrollmentId = (string)started["enrollment_id"]!;
        Assert.Equal("pending_review", (string?)started["status"]);
        var review = Text((await h.Smtp.WaitForMessagesAsync("boss@cualify.test", 1))[0]);
        Assert.Empty(h.Smtp.MessagesTo("maria@example.es"));
        var (reviewedSubject, reviewedBody) = FirstStepOf(review);
        Assert.Equal("Precios para Madrid equipo", reviewedSubject);
        Assert.Equal("Hola María,\n\nle escribo por su consulta.\nUn saludo", reviewedBody);
        Assert.Contains($"written by {ChatCompletionsStandIn.ModelName}, prompt sha256 ", review);

        await (await h.Admin.PostAsync($"/api/v1/sequences/enrollments/{enrollmentId}/approve", null)).ExpectAsync(200);

        var sent = (await h.Smtp.WaitForMessagesAsync("maria@example.es", 1))[0];
        Assert.Equal(reviewedSubject, sent.Subject);
        Assert.Equal(reviewedBody, Text(sent)[..Text(sent).IndexOf("\n\n--\n", StringComparison.Ordinal)]);
        Assert.Single(writer.Calls);
    }

    [Fact]
    public async Task Errors_are_retried_and_a_writer_that_keeps_failing_refuses_or_answers_badly_leaves_the_fixed_text_with_the_reason()
    {
        var (writer, h) = await StartAsync();
        await using var _ = writer;
        await using var __ = h;
        var answers = new Dictionary<string, Func<int, WriterAnswer>>
        {
            ["Retried"] = n => n switch
            {
                1 => WriterAnswer.Error(429, "rate_limit_exceeded", retryAfterSeconds: 0),
                2 => WriterAnswer.Error(502, "server_error"),
                _ => WriterAnswer.Write("Written after retries", "Written after two retries."),
            },
            ["Failing"] = _ => WriterAnswer.Error(500, "server_error"),
            ["Unauthorised"] = _ => WriterAnswer.Error(401, "invalid_api_key"),
            ["Refusing"] = _ => WriterAnswer.Refuse("I can't help with that."),
            ["Malformed"] = _ => WriterAnswer.Content("{\"subject\": \"Hi\", \"body\": "),
            ["Prose"] = _ => WriterAnswer.Content("Sure! Here is your email: Hi there."),
            ["Truncated"] = _ => WriterAnswer.Content("{\"subject\": \"Hi\", \"body\": \"Hello\"}", finishReason: "length"),
            ["Long"] = _ => WriterAnswer.Write(new string('x', 140) + " abcdefghijklmnop more\nsecond line", "Body of the long one."),
        };
        writer.Respond = call => answers[call.FirstName!](writer.Calls.Count(c => c.FirstName == call.FirstName));
        var template = await h.CreateTemplateAsync(WrittenTemplate());

        var steps = new Dictionary<string, JsonNode>();
        foreach (var name in answers.Keys)
        {
            var started = await h.StartSequenceAsync(new
            {
                template_id = template,
                contact = new { first_name = name, emails = new[] { $"{name.ToLowerInvariant()}@example.com" } },
                auto_approve = true,
            });
            Assert.Equal("active", (string?)started["status"]);
            steps[name] = (await h.EnrollmentAsync((string)started["enrollment_id"]!))["steps"]![0]!;
        }

        Assert.Equal("Written after retries", (string?)steps["Retried"]["subject"]);
        Assert.Null(steps["Retried"]["fallback_reason"]);
        Assert.Equal(3, writer.Calls.Count(c => c.FirstName == "Retried"));
        Assert.Equal(3, writer.Calls.Count(c => c.FirstName == "Failing"));
        Assert.Single(writer.Calls, c => c.FirstName == "Unauthorised");
        Assert.Equal("error", (string?)steps["Failing"]["fallback_reason"]);
        Assert.Contains("500 (server_error)", (string?)steps["Failing"]["fallback_detail"]);
        Assert.Equal("error", (string?)steps["Unauthorised"]["fallback_reason"]);
        Assert.Contains("401 (invalid_api_key)", (string?)steps["Unauthorised"]["fallback_detail"]);
        Assert.Equal("refused", (string?)steps["Refusing"]["fallback_reason"]);
        Assert.Equal("unusable", (string?)steps["Malformed"]["fallback_reason"]);
        Assert.Equal("unusable", (string?)steps["Prose"]["fallback_reason"]);
        Assert.Equal("unusable", (string?)steps["Truncated"]["fallback_reason"]);
        foreach (var name in new[] { "Failing", "Unauthorised", "Refusing", "Malformed", "Prose", "Truncated" })
        {
            Assert.Equal("Your pricing question", (string?)steps[name]["subject"]);
            Assert.Equal($"Hi {name}, thanks for asking about pricing.", (string?)steps[name]["body"]);
            Assert.Null(steps[name]["written_by"]);
        }

        var longSubject = (string)steps["Long"]["subject"]!;
        Assert.Equal(150, longSubject.Length);
        Assert.DoesNotContain('\n', longSubject);
        Assert.Equal(new string('x', 140) + " abcdefghi", longSubject);
        Assert.NotNull(steps["Long"]["written_by"]);
        Assert.Empty(writer.Problems);
        var sent = await h.Smtp.WaitForMessagesAsync("long@example.com", 1);
        Assert.Equal(longSubject, sent[0].Subject);
        var metrics = await h.App.Client().GetStringAsync("/metrics");
        Assert.Contains("cualify_sequence_writer_fallbacks_total{reason=\"unusable\"} 3", metrics);
        Assert.Contains("cualify_sequence_writer_fallbacks_total{reason=\"error\"} 2", metrics);
        Assert.Contains("cualify_sequence_writer_fallbacks_total{reason=\"refused\"} 1", metrics);
    }

    [Fact]
    public async Task A_first_step_with_only_a_writer_that_cannot_be_written_keeps_an_auto_approved_start_in_review()
    {
        var (writer, h) = await StartAsync();
        await using var _ = writer;
        await using var __ = h;
        await (await h.Admin.PatchJsonAsync("/api/v1/org", new { admin_emails = new[] { "boss@cualify.test" } })).ExpectAsync(200);
        writer.Respond = _ => WriterAnswer.Error(500, "server_error");
        var template = await h.CreateTemplateAsync(WrittenTemplate(fixedSubject: null, fixedBody: null));

        var started = await h.StartSequenceAsync(Maria(template, true));

        Assert.Equal("pending_review", (string?)started["status"]);
        var step = (await h.EnrollmentAsync((string)started["enrollment_id"]!))["steps"]![0]!;
        Assert.Equal("failed", (string?)step["status"]);
        Assert.Equal("error", (string?)step["fallback_reason"]);
        Assert.Contains("has no fixed text", (string?)step["error"]);
        var review = Text((await h.Smtp.WaitForMessagesAsync("boss@cualify.test", 1))[0]);
        Assert.Contains("(not written, error: the writer answered 500 (server_error))", review);
        Assert.Empty(h.Smtp.MessagesTo("maria@example.es"));
    }

    [Fact]
    public async Task A_campaign_never_has_more_than_the_per_org_cap_of_requests_at_the_writer()
    {
        var (writer, h) = await StartAsync(extra: new Dictionary<string, string?> { ["Sequences:Writer:MaxConcurrentPerOrg"] = "2" });
        await using var _ = writer;
        await using var __ = h;
        writer.Respond = call => WriterAnswer.Slow(Task.Delay(500), WriterAnswer.Write($"Step {call.StepNumber}", $"Body {call.StepNumber}."));
        var template = await h.CreateTemplateAsync(new
        {
            name = "Five written steps",
            allowed_channels = new[] { "email" },
            steps = Enumerable.Range(0, 5).Select(i => new { channel = "email", delay_minutes = i * 60, writer = new { instructions = $"Write email {i + 1}." } }).ToArray(),
        });

        var starts = Enumerable.Range(0, 2).Select(i => h.StartSequenceAsync(new
        {
            template_id = template,
            contact = new { first_name = $"Lead{i}", emails = new[] { $"lead{i}@example.com" } },
            auto_approve = false,
        })).ToList();
        await Task.WhenAll(starts);

        Assert.Equal(10, writer.Calls.Count);
        Assert.Equal(2, writer.MaxInFlight);
        var steps = (await h.EnrollmentAsync((string)(await starts[0])["enrollment_id"]!))["steps"]!.AsArray();
        Assert.Equal(["Step 1", "Re: Step 2", "Re: Step 3", "Re: Step 4", "Re: Step 5"], steps.Select(s => (string?)s!["subject"]));
    }

    [Fact]
    public async Task An_org_with_writing_turned_off_sends_the_fixed_text_and_asks_nobody()
    {
        var (writer, h) = await StartAsync();
        await using var _ = writer;
        await using var __ = h;
        var org = (await (await h.Admin.PatchJsonAsync("/api/v1/org", new { writer_enabled = false })).ExpectAsync(200))["data"]!;
        Assert.False((bool)org["writer_enabled"]!);
        var template = await h.CreateTemplateAsync(WrittenTemplate());

        var started = await h.StartSequenceAsync(Maria(template, true));

        var sent = (await h.Smtp.WaitForMessagesAsync("maria@example.es", 1))[0];
        Assert.Equal("Your pricing question", sent.Subject);
        Assert.Empty(writer.Calls);
        var step = (await h.EnrollmentAsync((string)started["enrollment_id"]!))["steps"]![0]!;
        Assert.Null(step["written_by"]);
        Assert.Null(step["fallback_reason"]);
    }

    [Fact]
    public async Task A_sealed_key_reaches_the_writer_in_clear_and_a_bad_writer_setting_stops_start_up_naming_it()
    {
        var secretKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var sealedKey = Core.Secrets.SealedSetting.Seal(new Core.Secrets.SecretProtector(secretKey), ChatCompletionsStandIn.Key);
        var (writer, h) = await StartAsync(extra: new Dictionary<string, string?>
        {
            ["Store:SecretKey"] = Convert.ToBase64String(secretKey),
            ["Sequences:Writer:ApiKey"] = sealedKey,
        });
        await using (writer)
        await using (h)
        {
            var template = await h.CreateTemplateAsync(WrittenTemplate());
            await h.StartSequenceAsync(Maria(template, true));

            Assert.Equal($"Bearer {ChatCompletionsStandIn.Key}", Assert.Single(writer.Calls).Authorization);
            Assert.Empty(writer.Problems);
        }

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => RunningAppliance.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Sequences:Writer:Endpoint"] = "ftp://writer.example.com/v1",
            ["Sequences:Writer:Timeout"] = "00:00:00",
        }));
        Assert.Contains("Sequences:Writer:Endpoint", refused.Message);
        Assert.Contains("Sequences:Writer:Model", refused.Message);
        Assert.Contains("Sequences:Writer:Timeout", refused.Message);
    }

    /// <summary>The subject and body lines of Step 1 in a review email.</summary>
    private static (string Subject, string Body) FirstStepOf(string review)
    {
        var lines = review.Split('\n');
        var start = Array.FindIndex(lines, l => l.StartsWith("Step 1:", StringComparison.Ordinal));
        var end = Array.FindIndex(lines, start + 1, l => l.StartsWith("Step 2:", StringComparison.Ordinal));
        var block = lines[(start + 1)..end];
        var subject = block.Single(l => l.StartsWith("  Subject: ", StringComparison.Ordinal))["  Subject: ".Length..];
        var body = string.Join('\n', block.Where(l => l.StartsWith("  | ", StringComparison.Ordinal) || l == "  |").Select(l => l.Length > 4 ? l[4..] : ""));
        return (subject, body);
    }
}
