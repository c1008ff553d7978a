using Cualify.Appliance.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.Relay.Tests;

/// <summary>The retry schedule, Retry-After, 410, the 72 h disable and recovery, driven with a fake clock.</summary>
public sealed class RetryTests
{
    // SPEC §5: the waits after each failed attempt.
    private static readonly TimeSpan[] Schedule =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(5),
        TimeSpan.FromHours(10), TimeSpan.FromHours(14), TimeSpan.FromHours(20), TimeSpan.FromHours(24),
    ];

    [Fact]
    public async Task A_failing_delivery_is_retried_on_the_schedule_then_marked_failed_after_the_tenth_attempt()
    {
        var time = new FakeTimeProvider(RelayHarness.FakeStart);
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = _ => new Reply(500);
        await using var appliance = await RelayHarness.StartAsync(time);
        using var client = appliance.AdminClient();
        var webhook = await client.CreateWebhookAsync(receiver.Url(), "contact.created");

        await client.UpsertContactAsync(1);
        await Eventually.TrueAsync(async () => (await client.DeliveriesAsync(webhook.Id)).Count == 1, "the first attempt is recorded");
        var history = await client.DeliveriesAsync(webhook.Id);
        for (var attempt = 1; attempt <= Schedule.Length; attempt++)
        {
            var latest = history[0]!;
            Assert.Equal(attempt, (int)latest["attempt"]!);
            Assert.Equal(500, (int)latest["status_code"]!);
            Assert.Equal("retrying", (string?)latest["result"]);
            Assert.StartsWith("receiver answered 500", (string?)latest["error"]);
            var wait = FakeClock.At(latest["next_attempt_at"]) - FakeClock.At(latest["attempted_at"]);
            var step = Schedule[attempt - 1];
            Assert.InRange(wait, step * 0.8 - TimeSpan.FromSeconds(1), step * 1.2 + TimeSpan.FromSeconds(1));
            history = await time.AdvanceToNextAttemptAsync(client, webhook.Id);
        }

        var last = history[0]!;
        Assert.Equal(10, (int)last["attempt"]!);
        Assert.Equal("failed", (string?)last["result"]);
        Assert.Null(last["next_attempt_at"]);
        Assert.Equal("failed", (string?)last["delivery_status"]);
        Assert.Equal(10, receiver.Received.Count);
        Assert.Single(receiver.Received.Select(r => r.Header("webhook-id")).Distinct());
        var stamps = receiver.Received.Select(r => long.Parse(r.Header("webhook-timestamp"))).ToList();
        Assert.Equal(stamps.Order(), stamps);
        Assert.Equal(10, stamps.Distinct().Count());

        // The last attempt comes about 75 h (±20 %) after the first.
        var span = TimeSpan.FromSeconds(stamps[^1] - stamps[0]);
        Assert.InRange(span.TotalHours, 75.6 * 0.8, 75.6 * 1.2);
    }

    [Fact]
    public async Task Retry_after_on_429_and_503_is_honoured_and_never_shortens_the_schedule()
    {
        var time = new FakeTimeProvider(RelayHarness.FakeStart);
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = request => request.Index switch
        {
            1 => new Reply(429, new Dictionary<string, string> { ["Retry-After"] = "120" }),
            2 => new Reply(503, new Dictionary<string, string> { ["Retry-After"] = time.GetUtcNow().AddHours(1).ToString("R") }),
            3 => new Reply(429, new Dictionary<string, string> { ["Retry-After"] = "1" }),
            _ => Reply.Ok,
        };
        await using var appliance = await RelayHarness.StartAsync(time);
        using var client = appliance.AdminClient();
        var webhook = await client.CreateWebhookAsync(receiver.Url(), "contact.created");

        await client.UpsertContactAsync(1);
        await Eventually.TrueAsync(async () => (await client.DeliveriesAsync(webhook.Id)).Count == 1, "the first attempt is recorded");
        var first = (await client.DeliveriesAsync(webhook.Id))[0]!;
        Assert.Equal(429, (int)first["status_code"]!);
        Assert.InRange(FakeClock.At(first["next_attempt_at"]) - FakeClock.At(first["attempted_at"]), TimeSpan.FromSeconds(119), TimeSpan.FromSeconds(121));

        var second = (await time.AdvanceToNextAttemptAsync(client, webhook.Id))[0]!;
        Assert.Equal(503, (int)second["status_code"]!);
        Assert.InRange(FakeClock.At(second["next_attempt_at"]) - FakeClock.At(second["attempted_at"]), TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(61));

        var third = (await time.AdvanceToNextAttemptAsync(client, webhook.Id))[0]!;
        Assert.Equal(429, (int)third["status_code"]!);
        Assert.InRange(FakeClock.At(third["next_attempt_at"]) - FakeClock.At(third["attempted_at"]), TimeSpan.FromMinutes(24) - TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(36) + TimeSpan.FromSeconds(1));

        var fourth = (await time.AdvanceToNextAttemptAsync(client, webhook.Id))[0]!;
        Assert.Equal("delivered", (string?)fourth["result"]);
        Assert.Equal(4, (int)fourth["attempt"]!);
    }

    [Fact]
    public async Task A_410_disables_the_endpoint_at_once_emits_webhook_disabled_and_it_can_be_re_enabled()
    {
        var time = new FakeTimeProvider(RelayHarness.FakeStart);
        await using var receiver = await WebhookReceiver.StartAsync();
        var gone = true;
        receiver.Respond = request => request.Path == "/gone" && Volatile.Read(ref gone) ? new Reply(410) : Reply.Ok;
        await using var appliance = await RelayHarness.StartAsync(time);
        using var client = appliance.AdminClient();
        var webhook = await client.CreateWebhookAsync(receiver.Url("/gone"), "contact.created");
        await client.CreateWebhookAsync(receiver.Url("/watch"), "*");

        await client.UpsertContactAsync(1);
        await Eventually.TrueAsync(() => receiver.Of("webhook.disabled").Count == 1, "webhook.disabled reaches the other endpoint");

        var disabled = receiver.Of("webhook.disabled").Single().Envelope["data"]!;
        Assert.Equal(webhook.Id, (string?)disabled["webhook_id"]);
        Assert.Equal("endpoint_gone", (string?)disabled["reason"]);
        var listed = await client.WebhookAsync(webhook.Id);
        Assert.False((bool)listed["active"]!);
        Assert.Equal("endpoint_gone", (string?)listed["disabled_reason"]);
        Assert.Equal(410, (int)listed["last_status"]!);
        var attempt = (await client.DeliveriesAsync(webhook.Id)).Single()!;
        Assert.Equal("failed", (string?)attempt["result"]);
        Assert.Null(attempt["next_attempt_at"]);

        // Nothing more goes to it: a later event reaches the other endpoint only, even a day later.
        time.Advance(TimeSpan.FromDays(1));
        await client.UpsertContactAsync(2);
        await Eventually.TrueAsync(() => receiver.Received.Count(r => r.Path == "/watch" && r.Event == "contact.created") == 2, "the second event reaches /watch");
        await Eventually.TrueAsync(() => appliance.RelayIdleAsync(time.GetUtcNow()), "the relay is idle");
        Assert.Single(receiver.Received, r => r.Path == "/gone");

        Volatile.Write(ref gone, false);
        var enabled = (await (await client.PostAsync($"/api/v1/webhooks/{webhook.Id}/enable", null)).ExpectAsync(200))["data"]!;
        Assert.True((bool)enabled["active"]!);
        Assert.Null(enabled["disabled_reason"]);
        Assert.Equal(0, (int)enabled["consecutive_failures"]!);
        await client.UpsertContactAsync(3);
        await Eventually.TrueAsync(() => receiver.Received.Count(r => r.Path == "/gone") == 2, "the re-enabled endpoint gets the next event");
    }

    [Fact]
    public async Task After_a_410_nothing_claimed_for_that_endpoint_is_sent()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var first = new TaskCompletionSource();
        receiver.Respond = _ => new Reply(410, HoldUntil: first.Task);
        await using var appliance = await RelayHarness.StartAsync(settings: new Dictionary<string, string?> { ["Relay:MaxConcurrencyPerEndpoint"] = "1" });
        using var client = appliance.AdminClient();
        var webhook = await client.CreateWebhookAsync(receiver.Url(), "contact.created");

        for (var i = 0; i < 20; i++)
        {
            await client.UpsertContactAsync(i);
        }

        // Several are claimed ahead of the one-request gate while the first request is held. On PostgreSQL the cap is
        // shared by every node on the database (SPEC §9), so a claim never runs ahead of it and nothing more is claimed.
        await Eventually.TrueAsync(() => receiver.InFlight == 1, "the first request is held");
        if (!TestStore.IsPostgres)
        {
            await Eventually.TrueAsync(async () => (await appliance.DeliveryRowsAsync(webhook.Id)).Count(r => r.Status == "sending") > 1, "more are claimed");
        }
        first.SetResult();
        await Eventually.TrueAsync(async () => (await appliance.DeliveryRowsAsync(webhook.Id)).All(r => r.Status == "failed"), "every delivery ends failed");
        Assert.Single(receiver.Received);
        Assert.Equal("endpoint_gone", (string?)(await client.WebhookAsync(webhook.Id))["disabled_reason"]);
    }

    [Fact]
    public async Task An_endpoint_failing_for_72_hours_is_disabled_and_webhook_disabled_goes_out()
    {
        var time = new FakeTimeProvider(RelayHarness.FakeStart);
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = request => request.Path == "/down" ? new Reply(500) : Reply.Ok;
        await using var appliance = await RelayHarness.StartAsync(time);
        using var client = appliance.AdminClient();
        var webhook = await client.CreateWebhookAsync(receiver.Url("/down"), "contact.created");
        await client.CreateWebhookAsync(receiver.Url("/watch"), "webhook.disabled");
        await (await client.PatchJsonAsync("/api/v1/org", new { admin_emails = new[] { "ops@example.com" } })).ExpectAsync(200);

        await client.UpsertContactAsync(1);
        await Eventually.TrueAsync(async () => (await client.DeliveriesAsync(webhook.Id)).Count == 1, "the first attempt fails");

        // 71 h of failures: still on.
        time.Advance(TimeSpan.FromHours(71));
        await client.UpsertContactAsync(2);
        await Eventually.TrueAsync(() => appliance.RelayIdleAsync(time.GetUtcNow()), "the relay is idle");
        var stillOn = await client.WebhookAsync(webhook.Id);
        Assert.True((bool)stillOn["active"]!);
        Assert.True((int)stillOn["consecutive_failures"]! >= 2);

        // Past 72 h since the first failure, the next failure turns it off.
        time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
        await client.UpsertContactAsync(3);
        await Eventually.TrueAsync(() => receiver.Of("webhook.disabled").Count == 1, "webhook.disabled goes out");
        var off = await client.WebhookAsync(webhook.Id);
        Assert.False((bool)off["active"]!);
        Assert.Equal("failing_72h", (string?)off["disabled_reason"]);
        var data = receiver.Of("webhook.disabled").Single().Envelope["data"]!;
        Assert.Equal(webhook.Id, (string?)data["webhook_id"]);
        Assert.Equal(RelayHarness.FakeStart, FakeClock.At(data["failing_since"]));
        // The org's admins are emailed (no SMTP is configured here, so the mail lands in the pickup folder).
        var outbox = Path.Combine(appliance.DataDir, "outbox");
        await Eventually.TrueAsync(() => Directory.Exists(outbox) && Directory.GetFiles(outbox, "*.eml")
            .Select(File.ReadAllText).Any(mail => mail.Contains("ops@example.com") && mail.Contains("Webhook disabled")), "the admin email is written");
        // Whatever was claimed for it when it was turned off ends failed too (and can be replayed).
        await Eventually.TrueAsync(async () => (await appliance.DeliveryRowsAsync(webhook.Id)).All(row => row.Status == "failed"), "every delivery to it is failed");
    }

    [Fact]
    public async Task A_success_resets_the_72_hour_clock()
    {
        var time = new FakeTimeProvider(RelayHarness.FakeStart);
        await using var receiver = await WebhookReceiver.StartAsync();
        var healthy = false;
        receiver.Respond = _ => Volatile.Read(ref healthy) ? Reply.Ok : new Reply(500);
        await using var appliance = await RelayHarness.StartAsync(time);
        using var client = appliance.AdminClient();
        var webhook = await client.CreateWebhookAsync(receiver.Url(), "contact.created");

        await client.UpsertContactAsync(1);
        await Eventually.TrueAsync(async () => (await client.DeliveriesAsync(webhook.Id)).Count == 1, "the first attempt fails");
        time.Advance(TimeSpan.FromHours(40));
        Volatile.Write(ref healthy, true);
        await client.UpsertContactAsync(2);
        await Eventually.TrueAsync(async () => (int)(await client.WebhookAsync(webhook.Id))["consecutive_failures"]! == 0, "a success resets the failures");

        Volatile.Write(ref healthy, false);
        time.Advance(TimeSpan.FromHours(33));
        await client.UpsertContactAsync(3);
        await Eventually.TrueAsync(() => appliance.RelayIdleAsync(time.GetUtcNow()), "the relay is idle");
        var listed = await client.WebhookAsync(webhook.Id);
        Assert.True((bool)listed["active"]!);
        Assert.Null(listed["disabled_reason"]);
    }

    [Fact]
    public async Task A_receiver_that_fails_then_recovers_gets_every_event()
    {
        var time = new FakeTimeProvider(RelayHarness.FakeStart);
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = request => request.Index <= 25 ? new Reply(request.Index % 2 == 0 ? 503 : 500) : Reply.Ok;
        await using var appliance = await RelayHarness.StartAsync(time);
        using var client = appliance.AdminClient();
        var webhook = await client.CreateWebhookAsync(receiver.Url(), "contact.created");

        for (var i = 0; i < 20; i++)
        {
            await client.UpsertContactAsync(i);
        }

        for (var round = 0; round < 100; round++)
        {
            await Eventually.TrueAsync(() => appliance.RelayIdleAsync(time.GetUtcNow()), "the relay is idle");
            if ((await appliance.DeliveryRowsAsync(webhook.Id)).All(r => r.Status == "delivered"))
            {
                break;
            }

            time.Advance(TimeSpan.FromMinutes(10));
        }

        var events = await appliance.EventsAsync(await appliance.OrgIdAsync(), "contact.created");
        Assert.Equal(20, events.Count);
        var delivered = receiver.Received.Where(r => r.Index > 25).Select(r => r.EventId).ToHashSet();
        Assert.All(events, e => Assert.Contains(e.Id, delivered));
        Assert.All(await appliance.DeliveryRowsAsync(webhook.Id), r => Assert.Equal("delivered", r.Status));
        Assert.Equal(0, (int)(await client.WebhookAsync(webhook.Id))["consecutive_failures"]!);
    }
}
