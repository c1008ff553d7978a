using Cualify.Appliance.Core.Sequences;
using Cualify.Appliance.Mailer.Inbound;
using Cualify.Appliance.Mailer.Runner;
using MimeKit;

namespace Cualify.Appliance.Mailer.Tests;

/// <summary>Rules with no I/O: sending windows, retry timing, inbound classification, Liquid checks.</summary>
public sealed class RulesTests
{
    private static readonly TimeZoneInfo Kolkata = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    [Fact]
    public void A_moment_inside_the_window_is_kept_and_one_outside_moves_to_the_next_opening_in_the_contacts_zone()
    {
        // Friday 2026-05-29 10:30 in Kolkata is 05:00 UTC.
        var inside = new DateTimeOffset(2026, 5, 29, 5, 0, 30, TimeSpan.Zero);
        Assert.Equal(inside, SendingWindow.NextAllowed("* 9-17 * * 1-5", [Kolkata], inside));

        // Friday 19:00 Kolkata → Monday 09:00 Kolkata = 03:30 UTC.
        var evening = new DateTimeOffset(2026, 5, 29, 13, 30, 0, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 6, 1, 3, 30, 0, TimeSpan.Zero), SendingWindow.NextAllowed("* 9-17 * * 1-5", [Kolkata], evening));
        Assert.Equal(evening, SendingWindow.NextAllowed(null, [Kolkata], evening));
    }

    [Fact]
    public void A_number_with_several_zones_waits_until_the_window_is_open_in_all_of_them()
    {
        // Monday 14:00 UTC is 10:00 in New York but 19:30 in Kolkata, outside 08:00–18:59 there. The window is open in
        // both only while NY is 08:00–09:29 (Kolkata 17:30–18:59): the next such moment is Tuesday 12:00 UTC.
        var monday = new DateTimeOffset(2026, 6, 1, 14, 0, 0, TimeSpan.Zero);
        var next = SendingWindow.NextAllowed("* 8-18 * * 1-5", [NewYork, Kolkata], monday);
        Assert.Equal(new DateTimeOffset(2026, 6, 2, 12, 0, 0, TimeSpan.Zero), next);
        Assert.Equal([TimeZoneInfo.FindSystemTimeZoneById("Europe/Madrid")], SendingWindow.ZonesFor("+34911234567", NewYork));
        Assert.Equal([NewYork], SendingWindow.ZonesFor(null, NewYork));
    }

    [Fact]
    public void Retries_follow_the_configured_waits_with_a_little_jitter_then_stop()
    {
        var now = DateTimeOffset.UnixEpoch;
        var delays = new[] { TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10) };
        var first = MailRetrySchedule.Next(delays, 1, now)!.Value;
        Assert.InRange(first - now, TimeSpan.FromSeconds(54), TimeSpan.FromSeconds(66));
        Assert.InRange(MailRetrySchedule.Next(delays, 2, now)!.Value - now, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(11));
        Assert.Null(MailRetrySchedule.Next(delays, 3, now));
    }

    [Theory]
    [InlineData("Hi {{ contact.first_name }}", null)]
    [InlineData("Hi {{ contact.first_name ", "line 1, column 25")]
    [InlineData("ok\n{% if contact.notes %}no end", "line 2, column")]
    [InlineData("{% frobnicate %}", "Unknown tag")]
    public void Liquid_errors_give_line_and_column(string text, string? expected)
    {
        var error = LiquidText.FindError(text);
        if (expected is null)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.Contains(expected, error);
        }
    }

    [Fact]
    public void A_delivery_report_is_a_hard_bounce_only_for_failed_5xx_recipients()
    {
        var hard = InboundClassifier.Classify(Report(("a@example.com", "failed", "5.1.1"), ("b@example.com", "delayed", "4.4.7")));
        var bounce = Assert.IsType<InboundKind.HardBounce>(hard);
        Assert.Equal("orig-1@cualify.test", bounce.OriginalMessageId);
        Assert.Equal("a@example.com", Assert.Single(bounce.Recipients).Address);

        Assert.IsType<InboundKind.TransientBounce>(InboundClassifier.Classify(Report(("a@example.com", "failed", "4.2.2"))));
    }

    [Theory]
    [InlineData("Auto-Submitted", "auto-replied", true)]
    [InlineData("Auto-Submitted", "auto-generated; owner-email=x@y.z", true)]
    [InlineData("Auto-Submitted", "no", false)]
    [InlineData("X-Autoreply", "yes", true)]
    [InlineData("Precedence", "bulk", true)]
    [InlineData("Precedence", "auto_reply", true)]
    [InlineData("Precedence", "first-class", false)]
    public void Auto_replies_are_recognised_by_their_headers(string header, string value, bool automatic)
    {
        var message = Reply("Thanks!");
        message.Headers.Add(header, value);
        var kind = InboundClassifier.Classify(message);
        Assert.Equal(automatic, kind is InboundKind.AutoReply);
        if (!automatic)
        {
            Assert.Equal(["m2@cualify.test", "m1@cualify.test"], Assert.IsType<InboundKind.Reply>(kind).ReplyIds);
        }
    }

    [Fact]
    public void An_unsubscribe_request_is_told_apart_from_a_reply()
    {
        var bySubject = new MimeMessage { Subject = "unsubscribe 0123456789abcdef0123456789ABCDEF", Body = new TextPart("plain") { Text = "" } };
        Assert.Equal("0123456789abcdef0123456789abcdef", Assert.IsType<InboundKind.Unsubscribe>(InboundClassifier.Classify(bySubject)).Token);
        Assert.IsType<InboundKind.Unsubscribe>(InboundClassifier.Classify(Reply("Unsubscribe.\n\n> Hi Maria")));
        Assert.IsType<InboundKind.Reply>(InboundClassifier.Classify(Reply("Please call me, I do not want to unsubscribe.")));
    }

    private static MimeMessage Reply(string text)
    {
        var message = new MimeMessage { Subject = "Re: Pricing", InReplyTo = "m2@cualify.test", Body = new TextPart("plain") { Text = text } };
        message.References.Add("m1@cualify.test");
        message.References.Add("m2@cualify.test");
        return message;
    }

    private static MimeMessage Report(params (string Recipient, string Action, string Status)[] recipients)
    {
        var dsn = new MessageDeliveryStatus();
        dsn.StatusGroups.Add(new HeaderList { { "Reporting-MTA", "dns; mx.example.com" } });
        foreach (var (recipient, action, status) in recipients)
        {
            dsn.StatusGroups.Add(new HeaderList { { "Final-Recipient", $"rfc822; {recipient}" }, { "Action", action }, { "Status", status } });
        }

        var original = new MimeMessage { MessageId = "orig-1@cualify.test", Subject = "Pricing" };
        return new MimeMessage { Body = new MultipartReport("delivery-status") { new TextPart("plain") { Text = "report" }, dsn, new MessagePart { Message = original } } };
    }
}
