using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Relay.Tests;

/// <summary>Deliveries end to end: the real appliance, a real receiver, the independent verifier.</summary>
public sealed class DeliveryTests
{
    [Fact]
    public async Task A_contact_upsert_reaches_the_receiver_signed_both_ways_with_the_contract_envelope()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var appliance = await RelayHarness.StartAsync();
        using var client = appliance.AdminClient();
        var webhook = await client.CreateWebhookAsync(receiver.Url(), "contact.created", "contact.updated");

        await client.UpsertContactAsync(1, "Riya Sharma");
        await client.UpsertContactAsync(1, "Riya S.");
        await Eventually.TrueAsync(() => receiver.Received.Count >= 2, "both contact events arrive");

        var events = await appliance.EventsAsync(await appliance.OrgIdAsync());
        var created = receiver.Of("contact.created").Single();
        Assert.Equal(events.Single(e => e.Type == "contact.created").Id, created.EventId);
        Verify.Delivery(created, webhook.Secret, webhook.StandardSecret);
        Verify.Delivery(receiver.Of("contact.updated").Single(), webhook.Secret, webhook.StandardSecret);

        var envelope = created.Envelope.AsObject();
        Assert.Equal(["id", "event", "created_at", "data"], envelope.Select(p => p.Key));
        Assert.StartsWith("evt_", created.EventId);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", (string?)envelope["created_at"]);
        Assert.Equal(RelayHarness.Phone(1), (string?)envelope["data"]!["phone_e164"]);
        Assert.Equal("application/json; charset=utf-8", created.Header("content-type"));
        Assert.InRange(long.Parse(created.Header("webhook-timestamp")), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds());

        await Eventually.TrueAsync(async () => (await client.DeliveriesAsync(webhook.Id)).Count == 2, "both attempts are in the history");
        var history = await client.DeliveriesAsync(webhook.Id);
        Assert.All(history, attempt =>
        {
            Assert.Equal(1, (int)attempt!["attempt"]!);
            Assert.Equal(200, (int)attempt["status_code"]!);
            Assert.Equal("delivered", (string?)attempt["result"]);
            Assert.Equal("delivered", (string?)attempt["delivery_status"]);
            Assert.Null(attempt["next_attempt_at"]);
            Assert.Null(attempt["error"]);
            Assert.True((long)attempt["latency_ms"]! >= 0);
        });
        // One attempt per event; the two were sent concurrently, so either may have been recorded last.
        Assert.Equal(["contact.created", "contact.updated"], history.Select(attempt => (string?)attempt!["event"]).Order());

        var listed = (await (await client.GetAsync("/api/v1/webhooks")).ExpectAsync(200))["data"]![0]!;
        Assert.Equal(200, (int)listed["last_status"]!);
        Assert.NotNull((string?)listed["last_delivery_at"]);
        Assert.Equal(0, (int)listed["consecutive_failures"]!);
        Assert.Null(listed["disabled_reason"]);
        Assert.Null(listed["secret"]);
    }

    [Fact]
    public async Task An_endpoint_gets_only_the_types_it_subscribed_to_and_only_events_after_it_was_registered()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var appliance = await RelayHarness.StartAsync();
        using var client = appliance.AdminClient();
        await client.UpsertContactAsync(1);
        var webhook = await client.CreateWebhookAsync(receiver.Url(), "contact.updated");
        var all = await client.CreateWebhookAsync(receiver.Url("/all"), "*");

        await client.UpsertContactAsync(2);
        await client.UpsertContactAsync(2, "Renamed");
        await Eventually.TrueAsync(() => receiver.Received.Count >= 3, "three deliveries arrive");

        Assert.Equal(["contact.updated"], receiver.Received.Where(r => r.Path == "/hook").Select(r => r.Event));
        Assert.Equal(["contact.created", "contact.updated"], receiver.Received.Where(r => r.Path == "/all").Select(r => r.Event).Order());
        Assert.DoesNotContain(receiver.Received, r => r.Envelope["data"]!["phone_e164"]!.ToString() == RelayHarness.Phone(1));
        Assert.NotNull(webhook.Id);
        Assert.NotNull(all.Id);
    }

    [Fact]
    public async Task Events_written_while_no_endpoint_exists_never_reach_one_registered_later_and_its_own_events_arrive_at_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        // A poll interval longer than the test: with no endpoint the relay leaves its cursor behind the events until then.
        await using var appliance = await RelayHarness.StartAsync(settings: new Dictionary<string, string?> { ["Relay:PollInterval"] = "00:10:00" });
        using var client = appliance.AdminClient();
        for (var n = 1; n <= 20; n++)
        {
            await client.UpsertContactAsync(n);
        }

        var (cursor, newest) = await appliance.Get<Core.Store.ApplianceStore>().ReadAsync(async c => (
            await Dapper.SqlMapper.ExecuteScalarAsync<long>(c, "SELECT seq FROM relay_cursors WHERE name = 'webhooks'"),
            await Dapper.SqlMapper.ExecuteScalarAsync<long>(c, "SELECT max(seq) FROM events")));
        Assert.True(cursor < newest, $"the cursor ({cursor}) was expected behind the newest event ({newest}), so that this test covers it");

        await client.CreateWebhookAsync(receiver.Url(), "*");
        await client.UpsertContactAsync(21);
        await Eventually.TrueAsync(() => receiver.Received.Count >= 1, "the new contact's event arrives without waiting for a poll");
        await Task.Delay(500);

        Assert.Equal([RelayHarness.Phone(21)], receiver.Received.Select(r => r.Envelope["data"]!["phone_e164"]!.ToString()));
    }

    [Fact]
    public async Task An_endpoint_of_one_org_never_gets_another_orgs_events()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var appliance = await RelayHarness.StartAsync();
        using var clientA = appliance.AdminClient();
        var (orgB, keyB) = await appliance.CreateOrgAsync("org-b");
        using var clientB = appliance.Client(keyB);
        await clientA.CreateWebhookAsync(receiver.Url("/a"), "*");
        await clientB.CreateWebhookAsync(receiver.Url("/b"), "*");

        for (var i = 0; i < 5; i++)
        {
            await clientA.UpsertContactAsync(100 + i);
            await clientB.UpsertContactAsync(200 + i);
        }

        await Eventually.TrueAsync(() => receiver.Received.Count >= 10, "ten deliveries arrive");
        var eventsB = (await appliance.EventsAsync(orgB)).Select(e => e.Id).ToHashSet();
        var eventsA = (await appliance.EventsAsync(await appliance.OrgIdAsync())).Select(e => e.Id).ToHashSet();
        Assert.All(receiver.Received.Where(r => r.Path == "/a"), r => Assert.Contains(r.EventId, eventsA));
        Assert.All(receiver.Received.Where(r => r.Path == "/b"), r => Assert.Contains(r.EventId, eventsB));
        Assert.Equal(5, receiver.Received.Count(r => r.Path == "/a"));
        Assert.Equal(5, receiver.Received.Count(r => r.Path == "/b"));

        // Nor can org B see, test, or delete org A's webhook.
        var webhookA = (string)(await (await clientA.GetAsync("/api/v1/webhooks")).ExpectAsync(200))["data"]![0]!["id"]!;
        await (await clientB.GetAsync($"/api/v1/webhooks/{webhookA}")).ExpectErrorAsync(404, "not_found");
        await (await clientB.PostAsync($"/api/v1/webhooks/{webhookA}/test", null)).ExpectErrorAsync(404, "not_found");
        await (await clientB.DeleteAsync($"/api/v1/webhooks/{webhookA}")).ExpectErrorAsync(404, "not_found");
        await (await clientB.GetAsync($"/api/v1/webhooks/{webhookA}/deliveries")).ExpectErrorAsync(404, "not_found");
        await (await clientB.PostAsync($"/api/v1/events/{eventsA.First()}/replay", null)).ExpectErrorAsync(404, "not_found");
    }
}
