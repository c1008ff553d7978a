using System.Net.Http.Headers;
using Cualify.Appliance.Testing;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Cualify.Appliance.Relay.Tests.Connectors;

/// <summary>The appliance killed with SIGKILL between HubSpot's 201 and our commit still leaves exactly one record.</summary>
public sealed class ConnectorCrashTests
{
    [Fact]
    public async Task A_kill_after_HubSpot_created_the_call_but_before_the_sync_committed_still_leaves_one_record()
    {
        await using var hubSpot = await HubSpotStandIn.StartAsync();
        using var dataDir = new TempDirectory("connector-crash");
        var environment = new Dictionary<string, string> { ["CUALIFY__Logging__Level"] = "Warning", ["CUALIFY__Connectors__PollInterval"] = "00:00:01" };
        string adminKey, connectorId, callId;
        var hold = new TaskCompletionSource();
        await using (var child = await ApplianceProcess.StartAsync(dataDir.Path, environment))
        {
            adminKey = await child.FirstAdminKeyAsync();
            using var admin = new HttpClient { BaseAddress = child.BaseAddress };
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
            await (await admin.PatchJsonAsync("/api/v1/org", new { calling_hours = "* * * * *" })).ExpectAsync(200);
            connectorId = (string)(await (await admin.PostJsonAsync("/api/v1/connectors", new
            {
                kind = "hubspot",
                name = "Sales portal",
                credentials = new { access_token = hubSpot.StaticToken },
                options = new { base_url = hubSpot.BaseUrl },
            })).ExpectAsync(201))["data"]!["id"]!;
            var agent = (string)(await (await admin.PostJsonAsync("/api/v1/playbooks", new { name = "Renewal" })).ExpectAsync(201))["data"]!["id"]!;
            await (await admin.PostJsonAsync("/api/v1/contacts", new { phone_e164 = "+919812345681", email = "crash@example.in", consent_capture = "manual" })).ExpectAsync(200);
            Assert.Equal(0, await Cli.ApplianceCommandLine.Build().Parse(["credits", "topup", "--data-dir", dataDir.Path, "--amount-paise", "10000"]).InvokeAsync());
            // A busy number ends at once; HubSpot stores the call and keeps its 201 back until the plug is pulled.
            callId = (string)(await (await admin.PostJsonAsync("/api/v1/calls", new { agent_id = agent, to_e164 = "+919812345681" })).ExpectAsync(201))["data"]!["id"]!;
            hubSpot.HoldAfterCreate[callId] = hold;
            await Eventually.TrueAsync(() => hubSpot.Records("calls").Count == 1, "HubSpot created the call", TimeSpan.FromSeconds(60));
            await child.KillAsync();
        }

        hold.TrySetResult();
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir.Path, "appliance.db")};Mode=ReadOnly"))
        {
            var left = await connection.QuerySingleAsync<(string Status, long Attempts, string? CrmObjectId)>(
                "SELECT status, attempts, crm_object_id FROM connector_syncs WHERE object_id = @callId", new { callId });
            Assert.Equal(("sending", 1L, (string?)null), left);
        }

        SqliteConnection.ClearAllPools();
        // The claim left by the kill is due a settle after it began, so HubSpot's search has caught up with the write.
        await using var restarted = await RunningAppliance.StartAsync(dataDir.Path, new Dictionary<string, string?> { ["Connectors:LookupSettle"] = "00:00:03" });
        using var client = restarted.Client(adminKey);
        await Eventually.TrueAsync(async () =>
            (string?)(await (await client.GetAsync($"/api/v1/connectors/{connectorId}/syncs")).ExpectAsync(200))["data"]![0]!["status"] == "synced",
            "the sync is settled after the restart");
        var record = Assert.Single(hubSpot.Records("calls"));
        var sync = (await (await client.GetAsync($"/api/v1/connectors/{connectorId}/syncs")).ExpectAsync(200))["data"]![0]!;
        Assert.Equal(record.Id, (string?)sync["crm_object_id"]);
        Assert.Equal(callId, record.Properties["hs_call_external_id"]);
        Assert.Equal(2, (int)sync["attempts"]!);
    }
}
