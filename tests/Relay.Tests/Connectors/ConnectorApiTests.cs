using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Dapper;

namespace Cualify.Appliance.Relay.Tests.Connectors;

/// <summary>The /api/v1/connectors resource as an admin uses it.</summary>
public sealed class ConnectorApiTests
{
    [Fact]
    public async Task A_connector_shows_its_health_and_inbound_url_but_never_its_credentials_which_are_sealed_at_rest()
    {
        await using var hubSpot = await HubSpotStandIn.StartAsync();
        await using var appliance = await RelayHarness.StartAsync();
        using var admin = appliance.AdminClient();
        const string token = "pat-na1-0123456789abcdef";
        hubSpot.StaticToken = token;

        var created = await (await admin.PostJsonAsync("/api/v1/connectors", new
        {
            kind = "hubspot",
            name = "Sales portal",
            credentials = new { access_token = token, app_secret = "app-secret-xyz" },
            options = new { base_url = hubSpot.BaseUrl, opt_out_property = "cualify_opted_out" },
        })).ExpectAsync(201);
        var data = created["data"]!;
        var id = (string)data["id"]!;
        Assert.True(Ids.IsUuid(id));
        Assert.Equal("hubspot", (string?)data["kind"]);
        Assert.Equal("healthy", (string?)data["status"]);
        Assert.Equal(new Uri(appliance.BaseAddress, $"/api/v1/connectors/{id}/inbound").ToString(), (string?)data["inbound_url"]);
        Assert.Matches("^[0-9a-f]{64}$", (string?)created["inbound_secret"]);
        foreach (var field in new[] { "token_expires_at", "rate_limit_remaining", "backlog", "last_synced_at", "last_error" })
        {
            Assert.True(data.AsObject().ContainsKey(field), $"no {field}");
        }

        var listed = await (await admin.GetAsync("/api/v1/connectors")).Content.ReadAsStringAsync();
        var single = await (await admin.GetAsync($"/api/v1/connectors/{id}")).Content.ReadAsStringAsync();
        foreach (var text in new[] { listed, single })
        {
            Assert.DoesNotContain(token, text);
            Assert.DoesNotContain("app-secret-xyz", text);
            Assert.DoesNotContain((string)created["inbound_secret"]!, text);
            Assert.DoesNotContain("credentials", text);
        }

        var stored = await appliance.Get<ApplianceStore>().ReadAsync(c => c.QuerySingleAsync<(string Credentials, string Secret)>(
            "SELECT credentials, inbound_secret FROM connectors WHERE id = @id", new { id }));
        Assert.StartsWith("v1:", stored.Credentials);
        Assert.DoesNotContain(token, stored.Credentials);
        Assert.StartsWith("v1:", stored.Secret);

        var test = (await (await admin.PostAsync($"/api/v1/connectors/{id}/test", null)).ExpectAsync(200))["data"]!;
        Assert.True((bool)test["ok"]!, test.ToJsonString());
        Assert.Equal(["credentials", "contacts", "calls", "emails", "inbound"], test["checks"]!.AsArray().Select(c => (string)c!["name"]!));

        hubSpot.StaticToken = "another-token";
        var failing = (await (await admin.PostAsync($"/api/v1/connectors/{id}/test", null)).ExpectAsync(200))["data"]!;
        Assert.False((bool)failing["ok"]!);
        Assert.Contains("401", (string?)failing["checks"]![0]!["detail"]);
    }

    [Fact]
    public async Task Bad_input_is_refused_naming_the_field_and_another_orgs_connector_is_not_found()
    {
        await using var appliance = await RelayHarness.StartAsync();
        using var admin = appliance.AdminClient();

        async Task<string> RefusedAsync(object body, string field)
        {
            var error = (await (await admin.PostJsonAsync("/api/v1/connectors", body)).ExpectAsync(422))["error"]!;
            Assert.NotNull(error["details"]!["fieldErrors"]![field]);
            return error.ToJsonString();
        }

        await RefusedAsync(new { kind = "salesforce", name = "x", credentials = new { access_token = "t" } }, "kind");
        await RefusedAsync(new { kind = "hubspot", name = "x" }, "credentials");
        await RefusedAsync(new { kind = "hubspot", name = "x", credentials = new { client_id = "c" } }, "credentials");
        await RefusedAsync(new { kind = "zoho", name = "x", credentials = new { access_token = "t" } }, "credentials");
        await RefusedAsync(new { kind = "hubspot", name = "", credentials = new { access_token = "t" } }, "name");
        await RefusedAsync(new { kind = "hubspot", name = "x", credentials = new { access_token = "t" }, options = new { api_version = "v3" } }, "options.api_version");
        await RefusedAsync(new { kind = "hubspot", name = "x", credentials = new { access_token = "t" }, options = new { base_url = "http://api.hubapi.com" } }, "options.base_url");
        await RefusedAsync(new { kind = "zoho", name = "x", credentials = new { client_id = "c", client_secret = "s", refresh_token = "r" }, options = new { accounts_url = "https://169.254.169.254" } }, "options.accounts_url");
        await RefusedAsync(new { kind = "hubspot", name = "x", credentials = new { access_token = "t" }, options = new { time_zone = "Mars/Olympus" } }, "options.time_zone");
        await RefusedAsync(new { kind = "hubspot", name = "x", credentials = new { access_token = "t" }, options = new { inbound_template_id = "tpl_00000000000000000000000000000000" } }, "options.inbound_template_id");

        var id = (string)(await (await admin.PostJsonAsync("/api/v1/connectors", new { kind = "hubspot", name = "Mine", credentials = new { access_token = "t" } })).ExpectAsync(201))["data"]!["id"]!;
        var patched = (await (await admin.PatchJsonAsync($"/api/v1/connectors/{id}", new { name = "Renamed", enabled = false })).ExpectAsync(200))["data"]!;
        Assert.Equal("Renamed", (string?)patched["name"]);
        Assert.Equal("disabled", (string?)patched["status"]);
        await (await admin.PatchJsonAsync($"/api/v1/connectors/{id}", new { kind = "zoho" })).ExpectAsync(422);

        var (_, otherKey) = await appliance.CreateOrgAsync("other");
        using var other = appliance.Client(otherKey);
        await (await other.GetAsync($"/api/v1/connectors/{id}")).ExpectAsync(404);
        await (await other.GetAsync($"/api/v1/connectors/{id}/syncs")).ExpectAsync(404);
        await (await other.DeleteAsync($"/api/v1/connectors/{id}")).ExpectAsync(404);
        Assert.Empty((await (await other.GetAsync("/api/v1/connectors")).ExpectAsync(200))["data"]!.AsArray());

        await (await admin.DeleteAsync($"/api/v1/connectors/{id}")).ExpectAsync(200);
        await (await admin.GetAsync($"/api/v1/connectors/{id}")).ExpectAsync(404);
        using var anonymous = appliance.Client();
        await (await anonymous.PostRawAsync($"/api/v1/connectors/{id}/inbound", "{}")).ExpectAsync(401);
    }

    [Fact]
    public async Task A_record_HubSpot_refuses_fails_with_an_event_and_a_retry_writes_it_once()
    {
        await using var world = await ConnectorWorld.StartAsync();
        var (connectorId, _) = await world.CreateHubSpotAsync();
        var agentId = await world.Dialer.CreatePlaybookAsync();
        world.HubSpot.RefuseCallCreates = true;
        await world.ContactAsync("+919812345610", "refused@example.in", "Refused Call");
        var callId = await world.PlaceCallAsync(agentId, "+919812345610");
        await world.AdvanceUntilAsync(async () => await world.SyncsAsync("failed") == 1, "the sync fails");

        var failed = (await world.SyncListAsync(connectorId)).Single()!;
        Assert.Equal("call", (string?)failed["object"]);
        Assert.Equal(callId, (string?)failed["object_id"]);
        Assert.Contains("hs_call_custom_region is required", (string?)failed["last_error"]);
        Assert.Equal(1, await world.CountAsync("SELECT count(*) FROM events WHERE type = 'connector.sync_failed'"));
        Assert.Empty(world.HubSpot.Records("calls"));
        var metrics = await (await world.Admin.GetAsync("/metrics")).Content.ReadAsStringAsync();
        Assert.Contains($"cualify_connector_syncs_total{{connector=\"{connectorId}\",result=\"failed\"}} 1", metrics);

        world.HubSpot.RefuseCallCreates = false;
        var retried = (await (await world.Admin.PostAsync($"/api/v1/connectors/{connectorId}/syncs/{failed["id"]}/retry", null)).ExpectAsync(200))["data"]!;
        Assert.Equal("pending", (string?)retried["status"]);
        await world.AdvanceUntilAsync(async () => await world.SyncsAsync("synced") == 1, "the retry writes the call");
        Assert.Single(world.HubSpot.Records("calls"));
        await (await world.Admin.PostAsync($"/api/v1/connectors/{connectorId}/syncs/{failed["id"]}/retry", null)).ExpectAsync(409);
    }

    [Fact]
    public async Task An_opt_out_sets_the_configured_contact_property_in_HubSpot()
    {
        await using var world = await ConnectorWorld.StartAsync();
        var existing = world.HubSpot.AddContact(new Dictionary<string, string> { ["email"] = "optout@example.in" });
        var (connectorId, _) = await world.CreateHubSpotAsync(options: new { base_url = world.HubSpot.BaseUrl, opt_out_property = "cualify_opted_out" });
        var contactId = await world.ContactAsync("+919812345610", "optout@example.in", "Opting Out");
        await (await world.Admin.PostJsonAsync($"/api/v1/contacts/{contactId}/opt-out", new { channel = "all", source = "crm" })).ExpectAsync(200);

        await world.AdvanceUntilAsync(async () => await world.SyncsAsync("synced") == 1, "the opt-out is written");
        Assert.Equal("true", world.HubSpot.Records("contacts").Single(c => c.Id == existing.Id).Properties["cualify_opted_out"]);
        var sync = (await world.SyncListAsync(connectorId)).Single()!;
        Assert.Equal("contact", (string?)sync["object"]);
        Assert.Equal(existing.Id, (string?)sync["crm_object_id"]);
    }
}
