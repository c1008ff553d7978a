using System.Text.Json.Nodes;
using Cualify.Appliance.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.Relay.Tests;

/// <summary>The webhook endpoints as an org admin uses them.</summary>
public sealed class WebhookApiTests
{
    [Fact]
    public async Task Registration_returns_the_secret_once_in_both_forms_and_never_again()
    {
        await using var appliance = await RelayHarness.StartAsync();
        using var client = appliance.AdminClient();
        var response = await client.PostJsonAsync("/api/v1/webhooks", new { url = "https://crm.example.com/cualify", events = new[] { "call.completed", "call.failed" }, description = "CRM" });
        var body = await response.ExpectAsync(201);

        var secret = (string)body["secret"]!;
        Assert.Matches("^[0-9a-f]{64}$", secret);
        Assert.Equal("whsec_" + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(secret)), (string?)body["standard_webhooks_secret"]);
        var data = body["data"]!;
        var id = (string)data["id"]!;
        Assert.True(Guid.TryParse(id, out _));
        Assert.Equal("https://crm.example.com/cualify", (string?)data["url"]);
        Assert.Equal(["call.completed", "call.failed"], data["events"]!.AsArray().Select(e => (string)e!));
        Assert.True((bool)data["active"]!);
        Assert.NotNull((string?)data["created_at"]);
        Assert.Equal($"/api/v1/webhooks/{id}", response.Headers.Location?.ToString());

        var listText = await client.GetStringAsync("/api/v1/webhooks");
        var oneText = await client.GetStringAsync($"/api/v1/webhooks/{id}");
        foreach (var text in new[] { listText, oneText })
        {
            Assert.DoesNotContain(secret, text);
            Assert.DoesNotContain("whsec_", text);
        }

        var list = JsonNode.Parse(listText)!;
        Assert.Equal(1, (int)list["pagination"]!["total"]!);
        var listed = list["data"]![0]!;
        Assert.Null(listed["last_delivery_at"]);
        Assert.Null(listed["last_status"]);
        Assert.Equal(0, (int)listed["consecutive_failures"]!);
        Assert.Null(listed["disabled_reason"]);

        // At rest the secret is sealed, not readable from the database file.
        var stored = await appliance.Get<Core.Store.ApplianceStore>().ReadAsync(c => Dapper.SqlMapper.ExecuteScalarAsync<string>(c, "SELECT secret FROM webhooks"));
        Assert.DoesNotContain(secret, stored);
        Assert.StartsWith("v1:", stored);
    }

    [Theory]
    [InlineData("http://crm.example.com/hook", "url", "https")]
    [InlineData("https://169.254.169.254/latest/meta-data/", "url", "metadata")]
    [InlineData("http://[fe80::1]/hook", "url", "link-local")]
    [InlineData("https://metadata.google.internal/", "url", "metadata")]
    [InlineData("not a url", "url", "https://")]
    public async Task Refused_urls_answer_422_naming_url(string url, string field, string reason)
    {
        await using var appliance = await RelayHarness.StartAsync();
        using var client = appliance.AdminClient();
        var error = await (await client.PostJsonAsync("/api/v1/webhooks", new { url, events = new[] { "*" } })).ExpectErrorAsync(422, "invalid_request", field);
        Assert.Contains(reason, (string?)error["details"]!["fieldErrors"]![field]![0]);
    }

    [Fact]
    public async Task Event_types_must_be_known_and_webhooks_need_admin_scope()
    {
        await using var appliance = await RelayHarness.StartAsync();
        using var client = appliance.AdminClient();
        await (await client.PostJsonAsync("/api/v1/webhooks", new { url = "https://crm.example.com/h", events = new[] { "call.complete" } }))
            .ExpectErrorAsync(422, "invalid_request", "events");
        await (await client.PostJsonAsync("/api/v1/webhooks", new { url = "https://crm.example.com/h", events = Array.Empty<string>() }))
            .ExpectErrorAsync(422, "invalid_request", "events");
        await (await client.PostRawAsync("/api/v1/webhooks", "{\"url\":")).ExpectErrorAsync(400, "invalid_request");

        var writeKey = (string)(await (await client.PostJsonAsync("/api/v1/api-keys", new { name = "writer", scope = "write" })).ExpectAsync(201))["key"]!;
        using var writer = appliance.Client(writeKey);
        var forbidden = await (await writer.PostJsonAsync("/api/v1/webhooks", new { url = "https://crm.example.com/h", events = new[] { "*" } })).ExpectErrorAsync(403, "forbidden");
        Assert.Equal("insufficient_scope", (string?)forbidden["details"]!["reason"]);
        await (await writer.GetAsync("/api/v1/webhooks")).ExpectErrorAsync(403, "forbidden");
        await (await appliance.Client().GetAsync("/api/v1/webhooks")).ExpectErrorAsync(401, "unauthorized");
        await (await client.GetAsync("/api/v1/webhooks?limit=0")).ExpectErrorAsync(400, "invalid_request", "limit");
    }

    [Fact]
    public async Task Deleting_a_webhook_stops_its_deliveries_at_once_including_those_in_flight()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var release = new TaskCompletionSource();
        receiver.Respond = r => r.Path == "/slow" ? new Reply(500, HoldUntil: release.Task) : Reply.Ok;
        await using var appliance = await RelayHarness.StartAsync(settings: new Dictionary<string, string?> { ["Relay:MaxConcurrencyPerEndpoint"] = "2" });
        using var client = appliance.AdminClient();
        var slow = await client.CreateWebhookAsync(receiver.Url("/slow"), "contact.created");

        for (var i = 0; i < 5; i++)
        {
            await client.UpsertContactAsync(i);
        }

        await Eventually.TrueAsync(() => receiver.InFlight == 2, "two requests are held by the slow receiver");
        // Every event has its delivery row (two in flight, three waiting) before the delete; an event fanned out
        // after it would rightly get none.
        await Eventually.TrueAsync(async () => (await appliance.DeliveryRowsAsync(slow.Id)).Count == 5, "all five events are fanned out to the webhook");
        var deleted = await (await client.DeleteAsync($"/api/v1/webhooks/{slow.Id}")).ExpectAsync(200);
        Assert.True((bool)deleted["data"]!["deleted"]!);

        // The requests in flight are aborted, and nothing else is sent, while the relay keeps working for others.
        await Eventually.TrueAsync(() => receiver.InFlight == 0, "the held requests are aborted");
        await client.CreateWebhookAsync(receiver.Url("/control"), "contact.created");
        await client.UpsertContactAsync(99);
        await Eventually.TrueAsync(() => receiver.Received.Any(r => r.Path == "/control"), "another endpoint still gets events");
        release.SetResult();
        await Eventually.TrueAsync(() => appliance.RelayIdleAsync(DateTimeOffset.UtcNow.AddHours(1)), "nothing is left to send");

        Assert.Equal(2, receiver.Received.Count(r => r.Path == "/slow"));
        var rows = await appliance.DeliveryRowsAsync(slow.Id);
        Assert.Equal(5, rows.Count);
        Assert.All(rows, r => Assert.Equal("canceled", r.Status));
        await (await client.GetAsync($"/api/v1/webhooks/{slow.Id}")).ExpectErrorAsync(404, "not_found");
        await (await client.DeleteAsync($"/api/v1/webhooks/{slow.Id}")).ExpectErrorAsync(404, "not_found");
        Assert.Equal(0, (int)(await (await client.GetAsync("/api/v1/webhooks")).ExpectAsync(200))["data"]!.AsArray().Count(w => (string?)w!["id"] == slow.Id));
    }

    [Fact]
    public async Task Test_sends_webhook_test_to_that_endpoint_only()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var appliance = await RelayHarness.StartAsync();
        using var client = appliance.AdminClient();
        var webhook = await client.CreateWebhookAsync(receiver.Url("/one"), "call.completed");
        await client.CreateWebhookAsync(receiver.Url("/all"), "*");

        var queued = (await (await client.PostAsync($"/api/v1/webhooks/{webhook.Id}/test", null)).ExpectAsync(202))["data"]!;
        Assert.Equal("webhook.test", (string?)queued["event"]);
        Assert.Equal(webhook.Id, (string?)queued["deliveries"]![0]!["webhook_id"]);
        await Eventually.TrueAsync(() => receiver.Received.Any(r => r.Path == "/one"), "the test event arrives");

        var test = receiver.Received.Single(r => r.Path == "/one");
        Assert.Equal("webhook.test", test.Event);
        Assert.Equal((string?)queued["event_id"], test.EventId);
        Assert.Equal(webhook.Id, (string?)test.Envelope["data"]!["webhook_id"]);
        Verify.Delivery(test, webhook.Secret, webhook.StandardSecret);

        await client.UpsertContactAsync(1);
        await Eventually.TrueAsync(() => receiver.Received.Any(r => r.Path == "/all"), "a later event reaches the catch-all endpoint");
        Assert.DoesNotContain(receiver.Received, r => r.Path == "/all" && r.Event == "webhook.test");
        var attempt = (await client.DeliveriesAsync(webhook.Id))[0]!;
        Assert.Equal("test", (string?)attempt["kind"]);
        Assert.Equal("delivered", (string?)attempt["result"]);
    }

    [Fact]
    public async Task A_create_repeated_with_its_Idempotency_Key_replays_the_secret_which_the_store_keeps_only_sealed()
    {
        await using var appliance = await RelayHarness.StartAsync();
        using var client = appliance.AdminClient();
        var body = new { url = "https://crm.example.com/hook", events = new[] { "*" } };

        var first = await (await client.PostJsonAsync("/api/v1/webhooks", body, idempotencyKey: "hook-1")).ExpectAsync(201);
        var repeat = await client.PostJsonAsync("/api/v1/webhooks", body, idempotencyKey: "hook-1");
        var replayed = await repeat.ExpectAsync(201);

        Assert.Equal("true", repeat.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal((string?)first["data"]!["id"], (string?)replayed["data"]!["id"]);
        var secret = (string)first["secret"]!;
        Assert.Equal(secret, (string?)replayed["secret"]);
        Assert.Equal(1, (int)(await (await client.GetAsync("/api/v1/webhooks")).ExpectAsync(200))["pagination"]!["total"]!);
        var stored = await appliance.Get<Core.Store.ApplianceStore>().ReadAsync(async c => string.Join("\n",
            (await Dapper.SqlMapper.QueryAsync<string>(c, "SELECT response_body FROM idempotency_keys"))
            .Concat(await Dapper.SqlMapper.QueryAsync<string>(c, "SELECT secret FROM webhooks"))));
        Assert.DoesNotContain(secret, stored);
        Assert.StartsWith("v1:", stored);
    }

    [Fact]
    public async Task The_test_endpoints_Location_lists_only_the_attempts_of_that_test_event()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var appliance = await RelayHarness.StartAsync();
        using var client = appliance.AdminClient();
        var webhook = await client.CreateWebhookAsync(receiver.Url(), "contact.created");
        await client.UpsertContactAsync(1);
        await client.UpsertContactAsync(2);
        await Eventually.TrueAsync(() => receiver.Received.Count == 2, "both contact events arrive");

        var test = await client.PostAsync($"/api/v1/webhooks/{webhook.Id}/test", null);
        var eventId = (string)(await test.ExpectAsync(202))["data"]!["event_id"]!;
        await Eventually.TrueAsync(() => receiver.Received.Count == 3, "the test event arrives");
        await Eventually.TrueAsync(async () => (await client.DeliveriesAsync(webhook.Id)).Count == 3, "all three attempts are recorded");

        var location = test.Headers.Location!.ToString();
        Assert.Contains($"event_id={eventId}", location);
        var filtered = await (await client.GetAsync(location)).ExpectAsync(200);
        var attempt = Assert.Single(filtered["data"]!.AsArray())!;
        Assert.Equal(eventId, (string?)attempt["event_id"]);
        Assert.Equal("test", (string?)attempt["kind"]);
        Assert.Equal(1, (int)filtered["pagination"]!["total"]!);
        Assert.Empty(await client.DeliveriesAsync(webhook.Id, "evt_unknown"));
    }

    [Fact]
    public async Task Replay_sends_a_past_event_again_with_its_original_id()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var appliance = await RelayHarness.StartAsync();
        using var client = appliance.AdminClient();
        var webhook = await client.CreateWebhookAsync(receiver.Url(), "contact.created");
        await client.UpsertContactAsync(1);
        await Eventually.TrueAsync(() => receiver.Received.Count == 1, "the event arrives once");
        var eventId = receiver.Received[0].EventId;

        var replayed = (await (await client.PostAsync($"/api/v1/events/{eventId}/replay", null)).ExpectAsync(202))["data"]!;
        Assert.Equal(eventId, (string?)replayed["event_id"]);
        Assert.Equal(webhook.Id, (string?)replayed["deliveries"]![0]!["webhook_id"]);
        await Eventually.TrueAsync(() => receiver.Received.Count == 2, "the replay arrives");
        Assert.Equal(receiver.Received[0].Body, receiver.Received[1].Body);
        Verify.Delivery(receiver.Received[1], webhook.Secret, webhook.StandardSecret);
        await Eventually.TrueAsync(async () => (await client.DeliveriesAsync(webhook.Id, eventId)).Count == 2, "both attempts are in the history");
        Assert.Equal(["event", "replay"], (await client.DeliveriesAsync(webhook.Id, eventId)).Select(a => (string)a!["kind"]!).Order());

        // Explicitly to one endpoint, and the refusals.
        await (await client.PostJsonAsync($"/api/v1/events/{eventId}/replay", new { webhook_id = webhook.Id })).ExpectAsync(202);
        await Eventually.TrueAsync(() => receiver.Received.Count == 3, "the targeted replay arrives");
        await (await client.PostJsonAsync($"/api/v1/events/{eventId}/replay", new { webhook_id = Guid.NewGuid().ToString() })).ExpectErrorAsync(404, "not_found", "webhook_id");
        await (await client.PostAsync("/api/v1/events/evt_nope/replay", null)).ExpectErrorAsync(404, "not_found");
        await client.UpsertContactAsync(1, "Renamed");
        var updated = (await appliance.EventsAsync(await appliance.OrgIdAsync(), "contact.updated")).Single();
        await (await client.PostAsync($"/api/v1/events/{updated.Id}/replay", null)).ExpectErrorAsync(409, "conflict");
    }

    [Fact]
    public async Task After_rotation_both_secrets_sign_for_24_hours_then_only_the_new_one()
    {
        var time = new FakeTimeProvider(RelayHarness.FakeStart);
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var appliance = await RelayHarness.StartAsync(time);
        using var client = appliance.AdminClient();
        var webhook = await client.CreateWebhookAsync(receiver.Url(), "contact.created");

        var rotated = await (await client.PostAsync($"/api/v1/webhooks/{webhook.Id}/rotate-secret", null)).ExpectAsync(200);
        var secret = (string)rotated["secret"]!;
        var standard = (string)rotated["standard_webhooks_secret"]!;
        Assert.NotEqual(webhook.Secret, secret);
        Assert.Equal(RelayHarness.FakeStart.AddHours(24), FakeClock.At(rotated["data"]!["previous_secret_expires_at"]));

        await client.UpsertContactAsync(1);
        await Eventually.TrueAsync(() => receiver.Received.Count == 1, "a delivery inside the grace arrives");
        var during = receiver.Received[0];
        Assert.Equal(2, during.Header("webhook-signature").Split(' ').Length);
        Verify.Delivery(during, secret, standard);
        Assert.True(Verify.StandardSignature(webhook.StandardSecret, during.EventId, during.Header("webhook-timestamp"), during.Body, during.Header("webhook-signature")));
        Assert.True(Verify.CualifySignature(webhook.Secret, during.Body, during.Header("x-cualify-signature-previous")));

        time.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));
        await client.UpsertContactAsync(2);
        await Eventually.TrueAsync(() => receiver.Received.Count == 2, "a delivery after the grace arrives");
        var after = receiver.Received[1];
        Assert.Single(after.Header("webhook-signature").Split(' '));
        Verify.Delivery(after, secret, standard);
        Assert.False(Verify.StandardSignature(webhook.StandardSecret, after.EventId, after.Header("webhook-timestamp"), after.Body, after.Header("webhook-signature")));
        Assert.False(after.Headers.ContainsKey("x-cualify-signature-previous"));
        Assert.Null((await client.WebhookAsync(webhook.Id))["previous_secret_expires_at"]);
    }
}
