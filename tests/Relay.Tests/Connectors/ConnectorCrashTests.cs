using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Cualify.Appliance.Testing;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Cualify.Appliance.Relay.Tests.Connectors;

/// <summary>The appliance killed with SIGKILL between the CRM's 201 and our commit still leaves exactly one record.</summary>
public sealed class ConnectorCrashTests
{
    [Fact]
    public async Task A_kill_after_HubSpot_created_the_call_but_before_the_sync_committed_still_leaves_one_record()
    {
        await using var hubSpot = await HubSpotStandIn.StartAsync();
        var (callId, syncedId) = await KillAndRestartAsync(
            new { kind = "hubspot", name = "Sales portal", credentials = new { access_token = hubSpot.StaticToken }, options = new { base_url = hubSpot.BaseUrl } },
            hubSpot.HoldAfterCreate,
            () => hubSpot.Records("calls").Count);
        var record = Assert.Single(hubSpot.Records("calls"));
        Assert.Equal(record.Id, syncedId);
        Assert.Equal(callId, record.Properties["hs_call_external_id"]);
    }

    [Fact]
    public async Task A_kill_after_Zoho_stored_the_call_but_before_the_sync_committed_still_leaves_one_record()
    {
        await using var zoho = await ZohoStandIn.StartAsync();
        var (callId, syncedId) = await KillAndRestartAsync(
            new
            {
                kind = "zoho",
                name = "Zoho CRM",
                credentials = new { client_id = ZohoStandIn.ClientId, client_secret = ZohoStandIn.ClientSecret, refresh_token = ZohoStandIn.RefreshToken },
                options = new { accounts_url = zoho.AccountsUrl },
            },
            zoho.HoldAfterCreate,
            () => zoho.Records("Calls").Count);
        var record = Assert.Single(zoho.Records("Calls"));
        Assert.Equal(record.Id, syncedId);
        Assert.StartsWith($"Cualify call {callId}", (string?)record.Fields["Subject"]);
        Assert.Contains(zoho.Requests, r => r.StartsWith("GET api /crm/v8/Calls/search", StringComparison.Ordinal));
    }

    /// <summary>
    /// A child appliance writes a busy call to the CRM, which stores it and keeps its answer back until the child is
    /// killed; a restarted appliance settles the sync. Gives the call id and the CRM id the sync ended with.
    /// </summary>
    private static async Task<(string CallId, string? CrmObjectId)> KillAndRestartAsync(
        object connector, ConcurrentDictionary<string, TaskCompletionSource> holdAfterCreate, Func<int> records)
    {
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
            connectorId = (string)(await (await admin.PostJsonAsync("/api/v1/connectors", connector)).ExpectAsync(201))["data"]!["id"]!;
            var agent = (string)(await (await admin.PostJsonAsync("/api/v1/playbooks", new { name = "Renewal" })).ExpectAsync(201))["data"]!["id"]!;
            await (await admin.PostJsonAsync("/api/v1/contacts", new { phone_e164 = "+919812345681", email = "crash@example.in", consent_capture = "manual" })).ExpectAsync(200);
            Assert.Equal(0, await Cli.ApplianceCommandLine.Build().Parse(TestStore.CliArguments(dataDir.Path, "credits", "topup", "--data-dir", dataDir.Path, "--amount-paise", "10000")).InvokeAsync());
            // A busy number ends at once; the CRM stores the call and keeps its 201 back until the plug is pulled.
            callId = (string)(await (await admin.PostJsonAsync("/api/v1/calls", new { agent_id = agent, to_e164 = "+919812345681" })).ExpectAsync(201))["data"]!["id"]!;
            holdAfterCreate[callId] = hold;
            await Eventually.TrueAsync(() => records() == 1, "the CRM stored the call", TimeSpan.FromSeconds(60));
            await child.KillAsync();
        }

        hold.TrySetResult();
        await using (var connection = await TestStore.OpenAsync(dataDir.Path))
        {
            var left = await connection.QuerySingleAsync<(string Status, long Attempts, string? CrmObjectId)>(
                "SELECT status, CAST(attempts AS BIGINT), crm_object_id FROM connector_syncs WHERE object_id = @callId", new { callId });
            Assert.Equal(("sending", 1L, (string?)null), left);
        }

        SqliteConnection.ClearAllPools();
        // The claim left by the kill is due a settle after it began, so the CRM's search has caught up with the write.
        await using var restarted = await RunningAppliance.StartAsync(dataDir.Path, new Dictionary<string, string?> { ["Connectors:LookupSettle"] = "00:00:03" });
        using var client = restarted.Client(adminKey);
        await Eventually.TrueAsync(async () =>
            (string?)(await (await client.GetAsync($"/api/v1/connectors/{connectorId}/syncs")).ExpectAsync(200))["data"]![0]!["status"] == "synced",
            "the sync is settled after the restart");
        var sync = (await (await client.GetAsync($"/api/v1/connectors/{connectorId}/syncs")).ExpectAsync(200))["data"]![0]!;
        Assert.Equal(2, (int)sync["attempts"]!);
        return (callId, (string?)sync["crm_object_id"]);
    }
}
