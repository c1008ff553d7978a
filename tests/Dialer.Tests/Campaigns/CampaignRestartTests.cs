using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.Dialer.Tests.Campaigns;

/// <summary>Campaigns across restarts: a sequence campaign enrolls each contact once, a killed dialer calls nobody twice.</summary>
public sealed class CampaignRestartTests
{
    [Fact]
    public async Task A_sequence_campaign_enrolls_each_contact_once_even_when_a_restart_repeats_an_enrollment()
    {
        using var dataDir = new TempDirectory("sequence-campaign");
        var clock = new ObservedTime(new FakeTimeProvider(DialerHarness.MondayMorningInIndia));
        string key, campaignId;
        await using (var first = await RunningAppliance.StartAsync(dataDir.Path, services: s => s.AddSingleton<TimeProvider>(clock)))
        {
            key = first.AdminKey!;
            using var admin = first.Client(key);
            var template = await (await admin.PostJsonAsync("/api/v1/sequences/templates", new
            {
                name = "Welcome",
                allowed_channels = new[] { "email" },
                steps = new object[] { new { channel = "email", delay_minutes = 0, subject = "Hello {{ contact.first_name }}", body = "Welcome aboard." } },
            })).ExpectAsync(201);
            var ids = new List<string>();
            for (var i = 0; i < 12; i++)
            {
                var contact = await (await admin.PostJsonAsync("/api/v1/contacts", new
                {
                    phone_e164 = $"+9198123{i:D3}70", first_name = $"Lead{i}", email = $"lead{i}@example.com", consent_capture = "website_form",
                })).ExpectAsync(200);
                ids.Add((string)contact["data"]!["id"]!);
            }

            var created = await (await admin.PostJsonAsync("/api/v1/campaigns", new
            {
                name = "Welcome the June leads",
                template_id = (string)template["data"]!["id"]!,
                contacts = new { contact_ids = ids },
                pacing = new { calls_per_minute = 6 },
            })).ExpectAsync(201);
            campaignId = (string)created["data"]!["id"]!;
            await (await admin.PostAsync($"/api/v1/campaigns/{campaignId}/start", null)).ExpectAsync(200);
            await AdvanceUntilAsync(first, clock, campaignId, c => (long)c["progress"]!["done"]!["enrolled"]! >= 5, admin);
        }

        // What a crash between an enrollment and its member's update leaves: the enrollment, and the member still pending.
        await using (var connection = await TestStore.OpenAsync(dataDir.Path, readOnly: false))
        {
            var updated = await connection.ExecuteAsync("""
                UPDATE campaign_members SET state = 'pending', result = NULL, enrollment_id = NULL, attempts = 0
                WHERE campaign_id = @campaignId AND position = (SELECT max(position) FROM campaign_members WHERE campaign_id = @campaignId AND state = 'done')
                """, new { campaignId });
            Assert.Equal(1, updated);
        }

        SqliteConnection.ClearAllPools();
        await using var second = await RunningAppliance.StartAsync(dataDir.Path, services: s => s.AddSingleton<TimeProvider>(clock));
        using var client = second.Client(key);
        var done = await AdvanceUntilAsync(second, clock, campaignId, c => (string?)c["status"] == "completed", client);

        Assert.Equal(12, (long)done["progress"]!["done"]!["enrolled"]!);
        await using var reader = await second.Get<ApplianceStore>().OpenReaderAsync();
        Assert.Equal(12, await reader.ExecuteScalarAsync<long>("SELECT count(*) FROM sequence_enrollments"));
        Assert.Equal(12, await reader.ExecuteScalarAsync<long>("SELECT count(DISTINCT contact_id) FROM sequence_enrollments"));
        Assert.Equal(12, await reader.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM campaign_members m JOIN sequence_enrollments e ON e.id = m.enrollment_id AND e.contact_id = m.contact_id WHERE m.campaign_id = @campaignId",
            new { campaignId }));
    }

    [Fact]
    public async Task A_campaign_killed_mid_run_continues_after_restart_and_dials_nobody_twice()
    {
        using var dataDir = new TempDirectory("campaign-kill");
        var environment = new Dictionary<string, string>
        {
            ["CUALIFY__Logging__Level"] = "Warning",
            ["CUALIFY__Dialer__HeartbeatInterval"] = "00:00:01",
        };
        const int contacts = 40;
        string adminKey, campaignId;
        await using (var child = await ApplianceProcess.StartAsync(dataDir.Path, environment))
        {
            adminKey = await child.FirstAdminKeyAsync();
            using var admin = child.Client(adminKey);
            await (await admin.PatchJsonAsync("/api/v1/org", new { calling_hours = "* * * * *" })).ExpectAsync(200);
            Assert.Equal(0, await Cli.ApplianceCommandLine.Build().Parse(TestStore.CliArguments(dataDir.Path, "credits", "topup", "--data-dir", dataDir.Path, "--amount-paise", "1000000")).InvokeAsync());
            var agent = await (await admin.PostJsonAsync("/api/v1/playbooks", new { name = "short", disclosure_text = "Hello.", max_duration_sec = 60 })).ExpectAsync(201);
            // Most numbers fail a second after dialing; every fifth answers and talks, so calls are live when the plug is pulled.
            var csv = new StringBuilder("phone_e164,consent_capture\n");
            for (var i = 0; i < contacts; i++)
            {
                csv.Append($"+9198123{i:D3}{(i % 5 == 0 ? "70" : "83")},manual\n");
            }

            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(csv.ToString()));
            content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            var import = await (await admin.PostAsync("/api/v1/contacts/import", content)).ExpectAsync(202);
            var importId = (string)import["data"]!["id"]!;
            await EventuallyAsync(async () => (string?)(await (await admin.GetAsync($"/api/v1/contacts/imports/{importId}")).ExpectAsync(200))["data"]!["status"] == "completed");
            var created = await (await admin.PostJsonAsync("/api/v1/campaigns", new
            {
                name = "Pulled plug",
                agent_id = (string)agent["data"]!["id"]!,
                contacts = new { import_id = importId },
                pacing = new { calls_per_minute = 60 },
            })).ExpectAsync(201);
            campaignId = (string)created["data"]!["id"]!;
            await (await admin.PostAsync($"/api/v1/campaigns/{campaignId}/start", null)).ExpectAsync(200);
            await EventuallyAsync(async () => await StartedAsync(dataDir.Path, campaignId) >= 8);
            await child.KillAsync();
        }

        var startedBeforeKill = await StartedAsync(dataDir.Path, campaignId);
        Assert.InRange(startedBeforeKill, 8, contacts - 1);
        await using var restarted = await RunningAppliance.StartAsync(dataDir.Path);
        using var client = restarted.Client(adminKey);
        JsonNode campaign = null!;
        await EventuallyAsync(async () =>
        {
            campaign = (await (await client.GetAsync($"/api/v1/campaigns/{campaignId}")).ExpectAsync(200))["data"]!;
            return (string?)campaign["status"] == "completed";
        }, TimeSpan.FromMinutes(3));

        await using var reader = await restarted.Get<ApplianceStore>().OpenReaderAsync();
        var dialed = (await reader.QueryAsync<(string ToE164, long Count)>(
            "SELECT to_e164, count(*) FROM calls WHERE campaign_id = @campaignId AND started_at IS NOT NULL GROUP BY to_e164", new { campaignId })).ToList();
        Assert.Equal(contacts, dialed.Count);
        Assert.All(dialed, d => Assert.Equal(1, d.Count));
        var progress = campaign["progress"]!;
        Assert.Equal(contacts, (long)progress["total"]!);
        Assert.Equal(contacts, progress["done"]!.AsObject().Sum(d => (long)d.Value!));
        Assert.Equal(0, await reader.ExecuteScalarAsync<long>("SELECT count(*) FROM calls WHERE status IN ('queued', 'dialing', 'ringing', 'in_progress')"));
    }

    private static async Task<long> StartedAsync(string dataDir, string campaignId)
    {
        await using var connection = await TestStore.OpenAsync(dataDir);
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM calls WHERE campaign_id = @campaignId AND started_at IS NOT NULL", new { campaignId });
    }

    /// <summary>Polls a condition of a child process running on the real clock (it cannot be driven by a fake one).</summary>
    private static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan? limit = null)
    {
        var deadline = TimeProvider.System.GetUtcNow() + (limit ?? TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            Assert.True(TimeProvider.System.GetUtcNow() < deadline, "the condition did not come true in time");
            await Task.Delay(1000);
        }
    }

    private static async Task<JsonNode> AdvanceUntilAsync(RunningAppliance appliance, ObservedTime clock, string campaignId, Func<JsonNode, bool> done, HttpClient client)
    {
        for (var step = 0; step < 600; step++)
        {
            var campaign = (await (await client.GetAsync($"/api/v1/campaigns/{campaignId}")).ExpectAsync(200))["data"]!;
            if (done(campaign))
            {
                return campaign;
            }

            clock.Fake.Advance(TimeSpan.FromSeconds(1));
            for (var i = 0; i < 10 && ThreadPool.PendingWorkItemCount > 0; i++)
            {
                await Task.Delay(5);
            }

            await Task.Delay(20);
        }

        throw new Xunit.Sdk.XunitException($"Campaign {campaignId} did not get there on {appliance.DataDir}");
    }
}
