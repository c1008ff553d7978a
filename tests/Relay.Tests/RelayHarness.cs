using System.Text.Json.Nodes;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Relay.Addresses;
using Cualify.Appliance.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cualify.Appliance.Relay.Tests;

public sealed record CreatedWebhook(string Id, string Secret, string StandardSecret, JsonNode Body);

/// <summary>Starting the real appliance for relay tests, and the API calls those tests make.</summary>
public static class RelayHarness
{
    public static readonly DateTimeOffset FakeStart = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    public static async Task<RunningAppliance> StartAsync(
        FakeTimeProvider? time = null, IReadOnlyDictionary<string, string?>? settings = null, IHostResolver? resolver = null, string? dataDir = null)
    {
        var appliance = await RunningAppliance.StartAsync(dataDir, settings, services =>
        {
            if (time is not null)
            {
                services.AddSingleton<TimeProvider>(time);
            }

            if (resolver is not null)
            {
                services.AddSingleton(resolver);
            }
        });

        // With a frozen clock the per-minute window never slides; tests poll the API freely.
        await appliance.Get<ApplianceStore>().WriteAsync(tx => tx.ExecuteAsync("UPDATE orgs SET rate_limit_per_minute = 1000000"));
        return appliance;
    }

    public static async Task<string> OrgIdAsync(this RunningAppliance appliance, string name = OrgStore.DefaultName) =>
        (await appliance.Get<OrgStore>().FindAsync(name))!.Id;

    /// <summary>A second org with its own admin key.</summary>
    public static async Task<(string OrgId, string AdminKey)> CreateOrgAsync(this RunningAppliance appliance, string name)
    {
        var org = await appliance.Get<OrgStore>().CreateAsync(name);
        var key = await appliance.Get<ApiKeyStore>().CreateAsync(org.Id, new NewApiKey($"{name} admin", Scope.Admin));
        await appliance.Get<ApplianceStore>().WriteAsync(tx => tx.ExecuteAsync("UPDATE orgs SET rate_limit_per_minute = 1000000"));
        return (org.Id, key.FullKey);
    }

    public static async Task<CreatedWebhook> CreateWebhookAsync(this HttpClient client, string url, params string[] events)
    {
        var body = await (await client.PostJsonAsync("/api/v1/webhooks", new { url, events = events.Length == 0 ? ["*"] : events })).ExpectAsync(201);
        return new CreatedWebhook((string)body["data"]!["id"]!, (string)body["secret"]!, (string)body["standard_webhooks_secret"]!, body);
    }

    /// <summary>Upserts a contact; a new number writes <c>contact.created</c>, a known one <c>contact.updated</c>.</summary>
    public static async Task UpsertContactAsync(this HttpClient client, int n, string? name = null) =>
        await (await client.PostJsonAsync("/api/v1/contacts", new { phone_e164 = Phone(n), name = name ?? $"Contact {n}", consent_capture = "manual" })).ExpectAsync(200);

    public static string Phone(int n) => $"+91981234{n % 10000:D4}";

    public static async Task<JsonArray> DeliveriesAsync(this HttpClient client, string webhookId, string? eventId = null)
    {
        var query = eventId is null ? "" : $"&event_id={eventId}";
        var body = await (await client.GetAsync($"/api/v1/webhooks/{webhookId}/deliveries?limit=100{query}")).ExpectAsync(200);
        return body["data"]!.AsArray();
    }

    public static async Task<JsonNode> WebhookAsync(this HttpClient client, string webhookId) =>
        (await (await client.GetAsync($"/api/v1/webhooks/{webhookId}")).ExpectAsync(200))["data"]!;

    /// <summary>The org's outbox, oldest first.</summary>
    public static async Task<IReadOnlyList<StoredEvent>> EventsAsync(this RunningAppliance appliance, string orgId, string? type = null)
    {
        var events = await appliance.Get<EventReader>().AfterAsync(orgId, 0, type is null ? null : [type], 10_000, CancellationToken.None);
        return events;
    }

    /// <summary>Statuses of every delivery to a webhook, read from the store.</summary>
    public static Task<List<(string EventId, string Status, int Attempts)>> DeliveryRowsAsync(this RunningAppliance appliance, string webhookId) =>
        appliance.Get<ApplianceStore>().ReadAsync(async connection =>
            (await Dapper.SqlMapper.QueryAsync<(string, string, long)>(connection,
                "SELECT event_id, status, attempts FROM webhook_deliveries WHERE webhook_id = @webhookId ORDER BY event_seq", new { webhookId }))
            .Select(r => (r.Item1, r.Item2, (int)r.Item3)).ToList());
}

/// <summary>Driving the relay with a fake clock.</summary>
public static class FakeClock
{
    /// <summary>
    /// True when the relay has nothing to do at <paramref name="now"/>: every event fanned out, nothing in flight,
    /// nothing due.
    /// </summary>
    public static Task<bool> RelayIdleAsync(this RunningAppliance appliance, DateTimeOffset now) =>
        appliance.Get<ApplianceStore>().ReadAsync(async connection =>
        {
            var busy = await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, $"""
                SELECT (SELECT count(*) FROM webhook_deliveries WHERE status = 'sending' OR (status = 'pending' AND next_attempt_at <= @now))
                     + (SELECT count(*) FROM events WHERE {OutboxOrder.PastCursor(appliance.Get<ApplianceStore>().Dialect, "'webhooks'")})
                """, new { now });
            return busy == 0;
        });

    /// <summary>Moves the clock just past the next attempt the history announces and waits for that attempt.</summary>
    public static async Task<System.Text.Json.Nodes.JsonArray> AdvanceToNextAttemptAsync(this FakeTimeProvider time, HttpClient client, string webhookId)
    {
        var history = await client.DeliveriesAsync(webhookId);
        var next = DateTimeOffset.Parse((string)history[0]!["next_attempt_at"]!, null, System.Globalization.DateTimeStyles.AssumeUniversal);
        var step = next.AddSeconds(1) - time.GetUtcNow();
        if (step > TimeSpan.Zero)
        {
            time.Advance(step);
        }

        var count = history.Count;
        await Eventually.TrueAsync(async () => (await client.DeliveriesAsync(webhookId)).Count > count, $"attempt {count + 1} is recorded");
        return await client.DeliveriesAsync(webhookId);
    }

    public static DateTimeOffset At(System.Text.Json.Nodes.JsonNode? node) =>
        DateTimeOffset.Parse((string)node!, null, System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal);
}
