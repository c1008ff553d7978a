using System.Text.Json.Nodes;
using MimeKit;

namespace Cualify.Appliance.Mailer.Tests;

/// <summary>
/// The IMAP watcher against a real dovecot: a human reply stops the sequence, an auto-reply does not, a DSN hard
/// bounce stops it and marks the address, a mailed unsubscribe opts out. Fake time moves between the steps.
/// </summary>
public sealed class ReplyAndBounceTests
{
    private static readonly object ThreeSteps = new
    {
        name = "Three touches",
        allowed_channels = new[] { "email" },
        steps = new object[]
        {
            new { channel = "email", delay_minutes = 0, subject = "Pricing for {{ contact.first_name }}", body = "Hi {{ contact.first_name }}, here is our pricing." },
            new { channel = "email", delay_minutes = 60, body = "Any questions?" },
            new { channel = "email", delay_minutes = 60, body = "Last note." },
        },
        stop_on_reply = true,
    };

    private static async Task<(string EnrollmentId, string ContactId, MimeMessage First)> StartAsync(MailerHarness h, string email = "maria@example.com")
    {
        var template = await h.CreateTemplateAsync(ThreeSteps);
        var started = await h.StartSequenceAsync(new { template_id = template, contact = new { first_name = "Maria", emails = new[] { email } }, auto_approve = true });
        var first = (await h.Smtp.WaitForMessagesAsync(email, 1))[0];
        return ((string)started["enrollment_id"]!, (string)started["contact_id"]!, first);
    }

    private static MimeMessage ReplyTo(MimeMessage original, string from, string text)
    {
        var reply = new MimeMessage { Subject = "Re: " + original.Subject, InReplyTo = original.MessageId, Body = new TextPart("plain") { Text = text } };
        reply.From.Add(MailboxAddress.Parse(from));
        reply.To.Add(original.From.Mailboxes.First());
        reply.References.Add(original.MessageId!);
        return reply;
    }

    [Fact]
    public async Task A_contact_who_replies_after_step_one_gets_no_more_steps()
    {
        await using var h = await MailerHarness.StartAsync(imap: true, fakeTime: true);
        var (enrollmentId, _, first) = await StartAsync(h);

        await h.Imap!.DeliverAsync(ReplyTo(first, "maria@example.com", "Thanks, let's talk on Monday."));

        var stopped = await h.WaitForEnrollmentAsync(enrollmentId,
            e => (string?)e["status"] == "stopped_reply" && (string?)e["steps"]![0]!["status"] == "sent", "stopped_reply with step 1 recorded");
        Assert.Equal(["sent", "canceled", "canceled"], stopped["steps"]!.AsArray().Select(s => (string)s!["status"]!).ToArray());
        var replied = Assert.Single(await h.EventsAsync("email.replied"));
        Assert.Equal(0, (int)replied["step"]!);
        Assert.Equal($"<{first.MessageId}>", (string?)replied["message_id"]);
        Assert.Equal("stopped_reply", (string?)Assert.Single(await h.EventsAsync("sequence.stopped"))["status"]);

        h.Advance(TimeSpan.FromHours(3));
        await Task.Delay(1000);
        Assert.Single(h.Smtp.MessagesTo("maria@example.com"));
    }

    [Fact]
    public async Task Auto_replies_do_not_stop_the_sequence()
    {
        await using var h = await MailerHarness.StartAsync(imap: true, fakeTime: true);
        var (enrollmentId, _, first) = await StartAsync(h);

        var outOfOffice = ReplyTo(first, "maria@example.com", "I am out of the office until Monday.");
        outOfOffice.Headers.Add(HeaderId.AutoSubmitted, "auto-replied");
        var autoreply = ReplyTo(first, "maria@example.com", "Autoreply");
        autoreply.Headers.Add("X-Autoreply", "yes");
        var bulk = ReplyTo(first, "maria@example.com", "Vacation");
        bulk.Headers.Add(HeaderId.Precedence, "bulk");
        foreach (var message in new[] { outOfOffice, autoreply, bulk })
        {
            await h.Imap!.DeliverAsync(message);
        }

        await WaitForImapAsync(h, lastUid: 3);
        Assert.Equal("active", (string?)(await h.StoredEnrollmentAsync(enrollmentId))["status"]);
        Assert.Empty(await h.EventsAsync("email.replied"));

        h.Advance(TimeSpan.FromMinutes(61));
        var messages = await h.WaitForMessagesOnFakeTimeAsync("maria@example.com", 2);
        Assert.Equal(first.MessageId, messages[1].InReplyTo);
    }

    [Fact]
    public async Task A_DSN_hard_bounce_stops_the_sequence_and_marks_the_address_while_a_delay_report_does_not()
    {
        await using var h = await MailerHarness.StartAsync(imap: true, fakeTime: true);
        var (enrollmentId, contactId, first) = await StartAsync(h);

        await h.Imap!.DeliverAsync(DeliveryReport(first, "delayed", "4.4.1", "smtp; 451 4.4.1 try again later"));
        await WaitForImapAsync(h, lastUid: 1);
        Assert.Equal("active", (string?)(await h.StoredEnrollmentAsync(enrollmentId))["status"]);

        await h.Imap.DeliverAsync(DeliveryReport(first, "failed", "5.1.1", "smtp; 550 5.1.1 <maria@example.com>: user unknown"));

        var stopped = await h.WaitForEnrollmentAsync(enrollmentId, e => (string?)e["status"] == "stopped_bounce", "stopped_bounce");
        Assert.Equal("bounced", (string?)stopped["steps"]![0]!["status"]);
        Assert.Equal("undeliverable", (string?)(await h.ContactAsync(contactId))["email_status"]);
        var bounced = Assert.Single(await h.EventsAsync("email.bounced"));
        Assert.Equal("dsn", (string?)bounced["source"]);
        Assert.StartsWith("5.1.1", (string?)bounced["detail"]);
        Assert.Empty(await h.EventsAsync("email.replied"));

        h.Advance(TimeSpan.FromHours(3));
        await Task.Delay(500);
        Assert.Single(h.Smtp.MessagesTo("maria@example.com"));
    }

    [Fact]
    public async Task An_unsubscribe_by_mail_opts_the_contact_out_of_email()
    {
        await using var h = await MailerHarness.StartAsync(imap: true, fakeTime: true);
        var (enrollmentId, contactId, first) = await StartAsync(h);
        var mailto = System.Text.RegularExpressions.Regex.Match(first.Headers[HeaderId.ListUnsubscribe]!, @"subject=unsubscribe%20(?<token>[0-9a-f]{32})");

        var request = new MimeMessage { Subject = $"unsubscribe {mailto.Groups["token"].Value}", Body = new TextPart("plain") { Text = "" } };
        request.From.Add(MailboxAddress.Parse("maria@example.com"));
        request.To.Add(MailboxAddress.Parse("sales@cualify.test"));
        await h.Imap!.DeliverAsync(request);

        await h.WaitForEnrollmentAsync(enrollmentId, e => (string?)e["status"] == "stopped_opt_out", "stopped_opt_out");
        var contact = await h.ContactAsync(contactId);
        Assert.Contains("email", contact["opted_out_channels"]!.AsArray().Select(c => (string?)c));
        Assert.DoesNotContain("voice", contact["opted_out_channels"]!.AsArray().Select(c => (string?)c));
        Assert.Empty(await h.EventsAsync("email.replied"));
    }

    private static MimeMessage DeliveryReport(MimeMessage original, string action, string status, string diagnostic)
    {
        var dsn = new MessageDeliveryStatus();
        dsn.StatusGroups.Add(new HeaderList { { "Reporting-MTA", "dns; mx.example.com" }, { "Arrival-Date", DateTimeOffset.UtcNow.ToString("r") } });
        dsn.StatusGroups.Add(new HeaderList
        {
            { "Final-Recipient", "rfc822; maria@example.com" },
            { "Action", action },
            { "Status", status },
            { "Diagnostic-Code", diagnostic },
        });
        var headers = new MimeMessage();
        headers.MessageId = original.MessageId!;
        headers.Subject = original.Subject!;
        headers.From.AddRange(original.From);
        headers.To.AddRange(original.To);
        var report = new MultipartReport("delivery-status")
        {
            new TextPart("plain") { Text = $"Delivery to maria@example.com: {action} ({status})." },
            dsn,
            new MessagePart("rfc822-headers") { Message = headers },
        };
        var message = new MimeMessage { Subject = "Delivery Status Notification", Body = report };
        message.From.Add(MailboxAddress.Parse("MAILER-DAEMON@mx.example.com"));
        message.To.Add(MailboxAddress.Parse("sales@cualify.test"));
        message.Headers.Add(HeaderId.AutoSubmitted, "auto-replied");
        return message;
    }

    /// <summary>Waits until the watcher has handled the folder up to <paramref name="lastUid"/>.</summary>
    private static async Task WaitForImapAsync(MailerHarness h, long lastUid)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (await h.CountAsync("SELECT coalesce(max(last_uid), 0) FROM imap_positions") < lastUid)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"The IMAP watcher never reached UID {lastUid}\n{h.Imap!.Log()}");
            }

            await Task.Delay(50);
        }
    }
}
