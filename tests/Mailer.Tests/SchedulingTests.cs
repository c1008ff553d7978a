using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Mailer.Tests;

/// <summary>Sending windows and per-mailbox caps, with fake time.</summary>
public sealed class SchedulingTests
{
    private static object OneStep(string? window = null) => new
    {
        name = "One",
        allowed_channels = new[] { "email" },
        steps = new object[]
        {
            new { channel = "email", delay_minutes = 0, subject = "Hi {{ contact.first_name }}", body = "Hello" },
            new { channel = "email", delay_minutes = 10, body = "Again" },
        },
        sending_window = window,
    };

    [Fact]
    public async Task An_approved_step_waits_for_the_sending_window_in_the_contacts_zone_while_auto_approve_sends_at_once()
    {
        await using var h = await MailerHarness.StartAsync(fakeTime: true);
        // Move fake time to the next Saturday 03:00 UTC. The contact's number is Indian: 08:30 in Kolkata, a Saturday.
        var now = h.Time!.GetUtcNow();
        var saturday = now.Date.AddDays(((int)DayOfWeek.Saturday - (int)now.DayOfWeek + 7) % 7 + 7).AddHours(3);
        h.Advance(new DateTimeOffset(saturday, TimeSpan.Zero) - now);
        await (await h.Admin.PatchJsonAsync("/api/v1/org", new { admin_emails = new[] { "boss@cualify.test" } })).ExpectAsync(200);
        var template = await h.CreateTemplateAsync(OneStep("* 9-17 * * 1-5"));

        var waiting = await h.StartSequenceAsync(new { template_id = template, contact = new { first_name = "Riya", emails = new[] { "riya@example.in" }, phone_numbers = new[] { "+919812345678" } } });
        var approved = (await (await h.Admin.PostAsync($"/api/v1/sequences/enrollments/{waiting["enrollment_id"]}/approve", null)).ExpectAsync(200))["data"]!;
        // Monday 09:00 in Kolkata is Monday 03:30 UTC.
        var opening = new DateTimeOffset(saturday.AddDays(2).AddHours(0.5), TimeSpan.Zero);
        Assert.Equal(opening, DateTimeOffset.Parse((string)approved["steps"]![0]!["scheduled_at"]!, System.Globalization.CultureInfo.InvariantCulture));

        var fast = await h.StartSequenceAsync(new { template_id = template, contact = new { first_name = "Dev", emails = new[] { "dev@example.in" }, phone_numbers = new[] { "+919812345679" } }, auto_approve = true });
        await h.Smtp.WaitForMessagesAsync("dev@example.in", 1);
        await Task.Delay(500);
        Assert.Empty(h.Smtp.MessagesTo("riya@example.in"));
        // The forced first step does not carry the follow-up out of the window.
        var followUp = (await h.StoredEnrollmentAsync((string)fast["enrollment_id"]!))["steps"]![1]!;
        Assert.Equal(opening, DateTimeOffset.Parse((string)followUp["scheduled_at"]!, System.Globalization.CultureInfo.InvariantCulture));

        h.Advance(opening - h.Time.GetUtcNow() + TimeSpan.FromSeconds(1));
        await h.WaitForMessagesOnFakeTimeAsync("riya@example.in", 1);
    }

    [Fact]
    public async Task Mailboxes_share_the_load_within_their_hourly_caps_and_follow_ups_leave_from_the_same_mailbox()
    {
        await using var h = await MailerHarness.StartAsync(fakeTime: true, settings: new Dictionary<string, string?>
        {
            ["Mailer:Mailboxes:0:Address"] = "ana@cualify.test",
            ["Mailer:Mailboxes:0:HourlyLimit"] = "2",
            ["Mailer:Mailboxes:1:Address"] = "ben@cualify.test",
            ["Mailer:Mailboxes:1:HourlyLimit"] = "1",
        });
        var template = await h.CreateTemplateAsync(OneStep());
        var recipients = new[] { "c1@example.com", "c2@example.com", "c3@example.com", "c4@example.com" };
        foreach (var email in recipients)
        {
            await h.StartSequenceAsync(new { template_id = template, contact = new { first_name = "C", emails = new[] { email } }, auto_approve = true });
        }

        await WaitForCountAsync(h, 3);
        await Task.Delay(500);
        var firsts = h.Smtp.Messages();
        Assert.Equal(3, firsts.Count);
        Assert.Equal(2, firsts.Count(m => m.From.Mailboxes.Single().Address == "ana@cualify.test"));
        Assert.Equal(1, firsts.Count(m => m.From.Mailboxes.Single().Address == "ben@cualify.test"));

        // An hour later the caps hold three again, and no more: the rest waits one more hour.
        h.Advance(TimeSpan.FromMinutes(61));
        await WaitForCountAsync(h, 6);
        await Task.Delay(500);
        Assert.Equal(6, h.Smtp.Messages().Count);
        h.Advance(TimeSpan.FromMinutes(61));
        await WaitForCountAsync(h, 7);
        h.Advance(TimeSpan.FromMinutes(11));
        await WaitForCountAsync(h, 8);
        foreach (var email in recipients)
        {
            var pair = h.Smtp.MessagesTo(email);
            Assert.Equal(2, pair.Count);
            Assert.Equal(pair[0].From.Mailboxes.Single().Address, pair[1].From.Mailboxes.Single().Address);
        }
    }

    /// <summary>Waits for the sink to hold <paramref name="count"/> messages, nudging fake time as <see cref="MailerHarness.WaitForMessagesOnFakeTimeAsync"/> does.</summary>
    private static async Task WaitForCountAsync(MailerHarness h, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        var nudgeAt = DateTime.UtcNow + TimeSpan.FromMilliseconds(500);
        while (h.Smtp.Messages().Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"Expected {count} messages, got {h.Smtp.Messages().Count}");
            }

            if (DateTime.UtcNow > nudgeAt)
            {
                h.Advance(TimeSpan.FromSeconds(5));
                nudgeAt = DateTime.UtcNow + TimeSpan.FromMilliseconds(500);
            }

            await Task.Delay(50);
        }
    }
}
