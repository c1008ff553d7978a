using System.Globalization;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Relay.Tests.Connectors;

/// <summary>Calls written into a Zoho CRM stand-in as Calls records: once each, linked to the right contact or lead.</summary>
public sealed class ZohoOutboundTests
{
    /// <summary>The appliance, a Zoho stand-in on its clock and a connector to it; <paramref name="options"/> adds to the defaults.</summary>
    internal static async Task<(ConnectorWorld World, ZohoStandIn Zoho, string ConnectorId)> StartAsync(
        IReadOnlyDictionary<string, string?>? settings = null, System.Text.Json.Nodes.JsonObject? options = null, Action<ZohoStandIn>? prepare = null)
    {
        var world = await ConnectorWorld.StartAsync(settings);
        var zoho = await ZohoStandIn.StartAsync();
        zoho.Clock = world.Dialer.Clock;
        prepare?.Invoke(zoho);
        var all = new System.Text.Json.Nodes.JsonObject { ["accounts_url"] = zoho.AccountsUrl, ["time_zone"] = "Asia/Kolkata", ["create_as"] = "Leads" };
        foreach (var (name, value) in options ?? [])
        {
            all[name] = value?.DeepClone();
        }

        var created = await (await world.Admin.PostJsonAsync("/api/v1/connectors", new
        {
            kind = "zoho",
            name = "Zoho CRM India",
            credentials = new { client_id = ZohoStandIn.ClientId, client_secret = ZohoStandIn.ClientSecret, refresh_token = ZohoStandIn.RefreshToken },
            options = all,
        })).ExpectAsync(201);
        return (world, zoho, (string)created["data"]!["id"]!);
    }

    [Fact]
    public async Task Calls_become_Calls_records_in_the_orgs_zone_linked_to_a_known_contact_or_an_upserted_lead()
    {
        var (world, zoho, connectorId) = await StartAsync();
        await using var _ = world;
        await using var __ = zoho;
        var known = zoho.Add("Contacts", new System.Text.Json.Nodes.JsonObject { ["Last_Name"] = "Iyer", ["Email"] = "known@example.in" });
        var agentId = await world.Dialer.CreatePlaybookAsync();
        var calls = new Dictionary<string, string?>();
        for (var i = 0; i < 200; i++)
        {
            var phone = $"+9198765{i:D3}{(i % 3 == 1 ? "81" : "10")}";
            var email = i == 0 ? "known@example.in" : i % 5 == 4 ? null : $"lead{i}@example.in";
            await world.ContactAsync(phone, email, $"Lead {i}");
            calls[await world.PlaceCallAsync(agentId, phone)] = email;
        }

        await world.AdvanceUntilAsync(() => world.CallsFinalAsync(calls.Count), "every call is final");
        await world.AdvanceUntilAsync(async () => await world.SyncsAsync("synced") == calls.Count, "every call is in Zoho");

        var records = zoho.Records("Calls");
        Assert.Equal(calls.Count, records.Count);
        var leads = zoho.Records("Leads").ToDictionary(l => l.Id);
        foreach (var record in records)
        {
            var callId = ((string)record.Fields["Subject"]!).Split(' ')[2].TrimEnd(':');
            var call = await world.Dialer.GetCallAsync(callId);
            var email = calls[callId];
            Assert.Equal("Outbound", (string?)record.Fields["Call_Type"]);
            var seconds = (int?)call["duration_sec"] ?? 0;
            Assert.Equal($"{seconds / 60:D2}:{seconds % 60:D2}", (string?)record.Fields["Call_Duration"]);
            var started = DateTimeOffset.Parse((string)(call["started_at"] ?? call["created_at"])!, CultureInfo.InvariantCulture);
            Assert.Equal(started.ToOffset(TimeSpan.FromHours(5.5)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture), (string?)record.Fields["Call_Start_Time"]);
            Assert.Equal((string)call["status"]! == "busy" ? "Busy" : "Connected", (string?)record.Fields["Call_Result"]);
            if (email == "known@example.in")
            {
                Assert.Equal(known.Id, (string?)record.Fields["Who_Id"]!["id"]);
            }
            else
            {
                Assert.Equal("Leads", (string?)record.Fields["$se_module"]);
                var lead = leads[(string)record.Fields["What_Id"]!["id"]!];
                Assert.Equal(email ?? (string?)call["to_e164"], email is null ? (string?)lead.Fields["Phone"] : (string?)lead.Fields["Email"]);
            }
        }

        Assert.Equal(calls.Count - 1, leads.Count);
        Assert.Equal(1, zoho.Refreshes);
        Assert.All(zoho.Requests.Where(r => r.Contains("/crm/", StringComparison.Ordinal)), r => Assert.Contains(" api /crm/v8/", r));
        Assert.Contains("POST accounts /oauth/v2/token", zoho.Requests);
        var connector = await world.ConnectorAsync(connectorId);
        Assert.Equal("healthy", (string?)connector["status"]);
        Assert.NotNull(connector["token_expires_at"]);
        var test = (await (await world.Admin.PostAsync($"/api/v1/connectors/{connectorId}/test", null)).ExpectAsync(200))["data"]!;
        Assert.True((bool)test["ok"]!);
        Assert.Equal(["credentials", "Contacts", "Leads", "Calls", "Notes"], test["checks"]!.AsArray().Select(c => (string)c!["name"]!));
    }

    [Fact]
    public async Task A_Calls_insert_that_times_out_after_Zoho_stored_it_is_found_again_and_not_inserted_twice()
    {
        var (world, zoho, connectorId) = await StartAsync(new Dictionary<string, string?> { ["Connectors:RequestTimeout"] = "00:00:05" });
        await using var _ = world;
        await using var __ = zoho;
        var agentId = await world.Dialer.CreatePlaybookAsync();
        await world.ContactAsync("+919812345610", "slow@example.in", "Slow Answer");
        var callId = await world.PlaceCallAsync(agentId, "+919812345610");
        var hold = new TaskCompletionSource();
        zoho.HoldAfterCreate[callId] = hold;

        await world.AdvanceUntilAsync(() => world.CallsFinalAsync(1), "the call is final");
        await Eventually.TrueAsync(() => zoho.Records("Calls").Count == 1, "Zoho stored the call");
        await world.AdvanceUntilAsync(async () => await world.SyncsAsync("synced") == 1, "the retry finds the call");
        hold.TrySetResult();

        var record = Assert.Single(zoho.Records("Calls"));
        var sync = (await world.SyncListAsync(connectorId)).Single()!;
        Assert.Equal(record.Id, (string?)sync["crm_object_id"]);
        Assert.Equal(2, (int)sync["attempts"]!);
        Assert.Contains(zoho.Requests, r => r.StartsWith("GET api /crm/v8/Calls/search", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_502_after_Zoho_stored_the_call_is_an_unknown_outcome_looked_up_a_settle_later_not_a_second_insert()
    {
        var (world, zoho, connectorId) = await StartAsync();
        await using var _ = world;
        await using var __ = zoho;
        var agentId = await world.Dialer.CreatePlaybookAsync();
        await world.ContactAsync("+919812345610", "gateway@example.in", "Gateway Error");
        var callId = await world.PlaceCallAsync(agentId, "+919812345610");
        zoho.BadGatewayAfterCreate[callId] = true;

        await world.AdvanceUntilAsync(async () => await world.SyncsAsync("synced") == 1, "the call is in Zoho");

        var record = Assert.Single(zoho.Records("Calls"));
        var sync = (await world.SyncListAsync(connectorId)).Single()!;
        Assert.Equal((record.Id, 2), ((string?)sync["crm_object_id"], (int)sync["attempts"]!));
        var insertAt = zoho.Timeline.Single(r => r.Line == "POST api /crm/v8/Calls").At;
        var searchAt = zoho.Timeline.Single(r => r.Line.StartsWith("GET api /crm/v8/Calls/search", StringComparison.Ordinal)).At;
        Assert.True(searchAt - insertAt >= TimeSpan.FromSeconds(60), $"looked up {searchAt - insertAt} after the 502, before Connectors:LookupSettle");
    }

    [Fact]
    public async Task A_refused_Zoho_refresh_token_turns_the_connector_auth_failed()
    {
        var world = await ConnectorWorld.StartAsync();
        await using var _ = world;
        await using var zoho = await ZohoStandIn.StartAsync();
        var created = await (await world.Admin.PostJsonAsync("/api/v1/connectors", new
        {
            kind = "zoho",
            name = "Zoho",
            credentials = new { client_id = ZohoStandIn.ClientId, client_secret = ZohoStandIn.ClientSecret, refresh_token = "1000.revoked" },
            options = new { accounts_url = zoho.AccountsUrl },
        })).ExpectAsync(201);
        var connectorId = (string)created["data"]!["id"]!;
        var test = (await (await world.Admin.PostAsync($"/api/v1/connectors/{connectorId}/test", null)).ExpectAsync(200))["data"]!;
        Assert.False((bool)test["ok"]!);
        Assert.Contains("invalid_code", (string?)test["checks"]![0]!["detail"]);

        var agentId = await world.Dialer.CreatePlaybookAsync();
        await world.ContactAsync("+919812345610", "z@example.in", "Zed");
        await world.PlaceCallAsync(agentId, "+919812345610");
        await world.AdvanceUntilAsync(async () => (string?)(await world.ConnectorAsync(connectorId))["status"] == "auth_failed", "the connector is auth_failed");
        Assert.Equal(1, await world.SyncsAsync("pending"));
        Assert.Empty(zoho.Records("Calls"));
        var metrics = await (await world.Admin.GetAsync("/metrics")).Content.ReadAsStringAsync();
        Assert.Contains($"cualify_connector_backlog{{connector=\"{connectorId}\"}} 1", metrics);
    }
}
