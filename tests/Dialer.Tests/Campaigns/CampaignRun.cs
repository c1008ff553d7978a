using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Dapper;

namespace Cualify.Appliance.Dialer.Tests.Campaigns;

/// <summary>Steps a campaign test shares: an org with room, contacts imported from CSV, the campaign's calls read from the store.</summary>
internal static class CampaignRun
{
    public static IReadOnlyDictionary<string, string?> RoomySettings { get; } = new Dictionary<string, string?>
    {
        ["Dialer:MaxConcurrentCalls"] = "2000",
        ["Dialer:CallsPerSecond"] = "200",
        ["Dialer:RingTimeout"] = "00:00:20",
    };

    /// <summary>Gives org <c>default</c> room for a campaign: concurrency, calls per second and an API rate limit a polling test stays under.</summary>
    public static async Task RaiseOrgLimitsAsync(DialerHarness harness, int maxConcurrent = 1000)
    {
        using var operatorClient = await harness.OperatorAsync();
        var orgId = await harness.DefaultOrgIdAsync();
        await (await operatorClient.PatchJsonAsync($"/api/v1/orgs/{orgId}",
            new { max_concurrent_calls = maxConcurrent, calls_per_second = 100, rate_limit_per_minute = 100_000 })).ExpectAsync(200);
    }

    public static async Task<string> ImportAsync(DialerHarness harness, IEnumerable<(string Phone, string? Consent)> rows)
    {
        var csv = new StringBuilder("phone_e164,first_name,email,consent_capture\n");
        var n = 0;
        foreach (var (phone, consent) in rows)
        {
            csv.Append($"{phone},Lead{n},lead{n}@example.com,{consent}\n");
            n++;
        }

        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(csv.ToString()));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var begun = await (await harness.Admin.PostAsync("/api/v1/contacts/import", content)).ExpectAsync(202);
        var id = (string)begun["data"]!["id"]!;
        for (var polls = 0; polls < 600; polls++)
        {
            var import = (await (await harness.Admin.GetAsync($"/api/v1/contacts/imports/{id}")).ExpectAsync(200))["data"]!;
            if ((string?)import["status"] == "completed")
            {
                Assert.Equal(n, (long)import["created"]!);
                return id;
            }

            await Task.Delay(50);
        }

        throw new Xunit.Sdk.XunitException("The import did not finish");
    }

    public static async Task<JsonNode> CampaignAsync(DialerHarness harness, string id) =>
        (await (await harness.Admin.GetAsync($"/api/v1/campaigns/{id}")).ExpectAsync(200))["data"]!;

    public sealed record CampaignCall(string Id, string ToE164, string Status, string? EndReason, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt);

    public static async Task<List<CampaignCall>> CallsAsync(DialerHarness harness, string campaignId)
    {
        await using var connection = await harness.Appliance.Get<ApplianceStore>().OpenReaderAsync();
        return (await connection.QueryAsync<CampaignCall>(
            "SELECT id, to_e164, status, end_reason, started_at, ended_at FROM calls WHERE campaign_id = @campaignId ORDER BY started_at, id", new { campaignId })).ToList();
    }

    /// <summary>Advances the fake clock by one step and waits until the appliance has reacted (the store stops changing).</summary>
    public static async Task StepAsync(DialerHarness harness, TimeSpan step)
    {
        harness.Time.Advance(step);
        var previous = "";
        var stable = 0;
        for (var i = 0; i < 400 && stable < 3; i++)
        {
            await Task.Delay(3);
            var state = await StateAsync(harness);
            var idle = ThreadPool.PendingWorkItemCount == 0 || i > 20;
            stable = state == previous && idle ? stable + 1 : 0;
            previous = state;
        }

        for (var i = 0; i < 400 && !await CaughtUpAsync(harness); i++)
        {
            await Task.Delay(5);
        }
    }

    /// <summary>
    /// Whether the dialer has taken every due call of a running campaign: a test that moved the clock on before it
    /// had would measure its own haste, not the pace.
    /// </summary>
    private static async Task<bool> CaughtUpAsync(DialerHarness harness)
    {
        await using var connection = await harness.Appliance.Get<ApplianceStore>().OpenReaderAsync();
        return await connection.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM calls WHERE status = 'queued' AND scheduled_for <= @now
              AND campaign_id IN (SELECT id FROM campaigns WHERE status = 'running')
            """, new { now = harness.Time.GetUtcNow() }) == 0;
    }

    private static async Task<string> StateAsync(DialerHarness harness)
    {
        await using var connection = await harness.Appliance.Get<ApplianceStore>().OpenReaderAsync();
        var calls = await connection.ExecuteScalarAsync<string>("SELECT count(*) || ':' || coalesce(max(updated_at), '') FROM calls");
        var members = await connection.ExecuteScalarAsync<string>("SELECT count(*) || ':' || coalesce(max(updated_at), '') FROM campaign_members");
        return $"{calls}|{members}|{harness.Clock.Armed}";
    }
}
