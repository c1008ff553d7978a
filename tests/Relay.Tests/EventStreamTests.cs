using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Relay.Tests;

public sealed class EventStreamTests
{
    [Fact]
    public async Task The_stream_carries_the_orgs_events_of_the_asked_types_and_resumes_after_Last_Event_ID_without_gaps()
    {
        await using var appliance = await RelayHarness.StartAsync(settings: new Dictionary<string, string?> { ["Relay:StreamHeartbeat"] = "00:00:01" });
        using var client = appliance.AdminClient();
        client.Timeout = Timeout.InfiniteTimeSpan;
        var (_, keyB) = await appliance.CreateOrgAsync("org-b");
        using var clientB = appliance.Client(keyB);
        var orgId = await appliance.OrgIdAsync();

        var (first, reader) = await SseReader.OpenAsync(client, "?types=contact.created,contact.opted_out");
        await client.UpsertContactAsync(1);
        await client.UpsertContactAsync(1, "Renamed");          // contact.updated: not asked for
        await clientB.UpsertContactAsync(7);                     // another org: never seen
        await client.UpsertContactAsync(2);
        var contactId = (string)(await (await client.GetAsync("/api/v1/contacts")).ExpectAsync(200))["data"]![0]!["id"]!;
        await (await client.PostJsonAsync($"/api/v1/contacts/{contactId}/opt-out", new { channel = "all", source = "test" })).ExpectAsync(200);

        var frames = await reader.EventsAsync(3, TimeSpan.FromSeconds(20));
        var outbox = (await appliance.EventsAsync(orgId)).Where(e => e.Type is "contact.created" or "contact.opted_out").ToList();
        Assert.Equal(outbox.Select(e => e.Id), frames.Select(f => f.Id));
        Assert.Equal(outbox.Select(e => e.Type), frames.Select(f => f.Event));
        foreach (var (frame, stored) in frames.Zip(outbox))
        {
            var envelope = JsonNode.Parse(frame.Data!)!;
            Assert.Equal(stored.Id, (string?)envelope["id"]);
            Assert.Equal(stored.Type, (string?)envelope["event"]);
            Assert.Equal(frame.Data, stored.ToEnvelopeJson());
        }

        // Idle: heartbeat comments keep the connection alive.
        using (var idle = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            var heartbeat = await reader.NextAsync(idle.Token);
            Assert.Equal("heartbeat", heartbeat.Comment);
        }

        first.Dispose();
        await client.UpsertContactAsync(3);
        await client.UpsertContactAsync(4);

        var (second, resumed) = await SseReader.OpenAsync(client, "?types=contact.created,contact.opted_out", frames[^1].Id);
        var missed = await resumed.EventsAsync(2, TimeSpan.FromSeconds(20));
        var created = await appliance.EventsAsync(orgId, "contact.created");
        Assert.Equal(created.TakeLast(2).Select(e => e.Id), missed.Select(f => f.Id));
        second.Dispose();

        // Without a filter, every type; without Last-Event-ID, only what happens from now on.
        var (third, everything) = await SseReader.OpenAsync(client, "");
        await client.UpsertContactAsync(4, "Renamed again");
        var next = (await everything.EventsAsync(1, TimeSpan.FromSeconds(20))).Single();
        Assert.Equal("contact.updated", next.Event);
        third.Dispose();
    }

    [Fact]
    public async Task Revoking_the_key_ends_its_stream_within_a_heartbeat()
    {
        await using var appliance = await RelayHarness.StartAsync(settings: new Dictionary<string, string?> { ["Relay:StreamHeartbeat"] = "00:00:01" });
        using var admin = appliance.AdminClient();
        var created = (await (await admin.PostJsonAsync("/api/v1/api-keys", new { name = "stream reader", scope = "read" })).ExpectAsync(201))!;
        using var reader = appliance.Client((string)created["key"]!);
        reader.Timeout = Timeout.InfiniteTimeSpan;
        var (response, stream) = await SseReader.OpenAsync(reader, "");

        await (await admin.DeleteAsync($"/api/v1/api-keys/{created["data"]!["id"]}")).ExpectAsync(200);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await Assert.ThrowsAsync<EndOfStreamException>(async () =>
        {
            while (true)
            {
                await stream.NextAsync(limit.Token);
            }
        });
        response.Dispose();
    }

    [Fact]
    public async Task Bad_stream_requests_are_refused_with_the_error_envelope()
    {
        await using var appliance = await RelayHarness.StartAsync();
        using var client = appliance.AdminClient();
        var (_, keyB) = await appliance.CreateOrgAsync("org-b");
        using var clientB = appliance.Client(keyB);
        await clientB.UpsertContactAsync(1);
        var foreignEvent = (await appliance.EventsAsync((await appliance.Get<Core.Orgs.OrgStore>().FindAsync("org-b"))!.Id)).Single().Id;

        await (await client.GetAsync("/api/v1/events?types=call.complete")).ExpectErrorAsync(400, "invalid_request", "types");
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/events");
        request.Headers.Add("Last-Event-ID", foreignEvent);
        await (await client.SendAsync(request)).ExpectErrorAsync(400, "invalid_request", "Last-Event-ID");
        await (await appliance.Client().GetAsync("/api/v1/events")).ExpectErrorAsync(401, "unauthorized");
    }
}
