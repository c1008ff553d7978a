using System.Text.Json.Nodes;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Dialer.Tests;

/// <summary>Every refusal of <c>POST /api/v1/calls</c>, through the real pipeline, with its code, reason and param.</summary>
public sealed class PreCallCheckTests : IAsyncLifetime
{
    private const string Number = "+919812345678";
    private DialerHarness _harness = null!;
    private string _agentId = "";

    public async Task InitializeAsync()
    {
        _harness = await DialerHarness.StartAsync();
        _agentId = await _harness.CreatePlaybookAsync();
        await _harness.TopUpAsync(10_000);
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private Task<HttpResponseMessage> PlaceAsync(object body) => _harness.Admin.PostJsonAsync("/api/v1/calls", body);

    [Fact]
    public async Task An_agent_that_is_not_in_the_org_is_not_found()
    {
        await _harness.UpsertContactAsync(Number);
        await (await PlaceAsync(new { agent_id = "0a8c5a4e-0000-7000-8000-000000000000", to_e164 = Number })).ExpectErrorAsync(404, "not_found", "agent_id");
        await (await PlaceAsync(new { agent_id = "not-a-uuid", to_e164 = Number })).ExpectErrorAsync(404, "not_found", "agent_id");

        // Another org's playbook is as unknown as a made-up one.
        using var op = await _harness.OperatorAsync();
        var other = await (await op.PostJsonAsync("/api/v1/orgs", new { name = "other" })).ExpectAsync(201);
        using var otherAdmin = _harness.Appliance.Client((string)other["admin_key"]!);
        var foreign = await (await otherAdmin.PostJsonAsync("/api/v1/playbooks", new { name = "theirs" })).ExpectAsync(201);
        await (await PlaceAsync(new { agent_id = (string)foreign["data"]!["id"]!, to_e164 = Number })).ExpectErrorAsync(404, "not_found", "agent_id");

        // A deleted playbook is gone for new calls.
        await (await _harness.Admin.DeleteAsync($"/api/v1/playbooks/{_agentId}")).ExpectAsync(200);
        await (await PlaceAsync(new { agent_id = _agentId, to_e164 = Number })).ExpectErrorAsync(404, "not_found", "agent_id");
    }

    [Fact]
    public async Task An_inactive_plan_is_forbidden_with_reason_no_active_plan()
    {
        await _harness.UpsertContactAsync(Number);
        using var op = await _harness.OperatorAsync();
        await (await op.PatchJsonAsync($"/api/v1/orgs/{await _harness.DefaultOrgIdAsync()}", new { plan = "inactive" })).ExpectAsync(200);

        var error = await (await PlaceAsync(new { agent_id = _agentId, to_e164 = Number })).ExpectErrorAsync(403, "forbidden");
        Assert.Equal("no_active_plan", (string?)error["details"]!["reason"]);
    }

    [Fact]
    public async Task An_opted_out_or_erased_number_is_forbidden_with_reason_opted_out()
    {
        var optedOut = await _harness.UpsertContactAsync("+919812345601");
        await (await _harness.Admin.PostJsonAsync($"/api/v1/contacts/{optedOut}/opt-out", new { channel = "voice", source = "crm" })).ExpectAsync(200);
        var error = await (await PlaceAsync(new { agent_id = _agentId, to_e164 = "+919812345601" })).ExpectErrorAsync(403, "forbidden", "to_e164");
        Assert.Equal("opted_out", (string?)error["details"]!["reason"]);

        var erased = await _harness.UpsertContactAsync("+919812345602");
        await (await _harness.Admin.DeleteAsync($"/api/v1/contacts/{erased}")).ExpectAsync(200);
        error = await (await PlaceAsync(new { agent_id = _agentId, to_e164 = "+919812345602" })).ExpectErrorAsync(403, "forbidden", "to_e164");
        Assert.Equal("opted_out", (string?)error["details"]!["reason"]);

        // Opting out of email only leaves calls allowed.
        var emailOnly = await _harness.UpsertContactAsync("+919812345603");
        await (await _harness.Admin.PostJsonAsync($"/api/v1/contacts/{emailOnly}/opt-out", new { channel = "email" })).ExpectAsync(200);
        await (await PlaceAsync(new { agent_id = _agentId, to_e164 = "+919812345603" })).ExpectAsync(201);
    }

    [Fact]
    public async Task A_number_without_recorded_consent_is_forbidden_with_reason_no_consent()
    {
        await _harness.UpsertContactAsync("+919812345604", consent: null);
        var error = await (await PlaceAsync(new { agent_id = _agentId, to_e164 = "+919812345604" })).ExpectErrorAsync(403, "forbidden", "to_e164");
        Assert.Equal("no_consent", (string?)error["details"]!["reason"]);

        // A number with no contact at all has no consent either.
        error = await (await PlaceAsync(new { agent_id = _agentId, to_e164 = "+919812345605" })).ExpectErrorAsync(403, "forbidden", "to_e164");
        Assert.Equal("no_consent", (string?)error["details"]!["reason"]);
    }

    [Fact]
    public async Task A_balance_that_does_not_cover_the_minimum_reservation_is_insufficient_credits()
    {
        await using var poor = await DialerHarness.StartAsync();
        var agentId = await poor.CreatePlaybookAsync();
        await poor.UpsertContactAsync(Number);

        var error = await (await poor.Admin.PostJsonAsync("/api/v1/calls", new { agent_id = agentId, to_e164 = Number })).ExpectErrorAsync(402, "insufficient_credits");
        Assert.Equal(300, (long)error["details"]!["required_paise"]!); // 30 s worth dialing × 10 paise/s
        Assert.Equal(0, (long)error["details"]!["available_paise"]!);

        await poor.TopUpAsync(299);
        await (await poor.Admin.PostJsonAsync("/api/v1/calls", new { agent_id = agentId, to_e164 = Number })).ExpectErrorAsync(402, "insufficient_credits");
        await poor.TopUpAsync(1);
        await (await poor.Admin.PostJsonAsync("/api/v1/calls", new { agent_id = agentId, to_e164 = Number })).ExpectAsync(201);

        // A call capped at 10 s needs only 10 s worth.
        await using var capped = await DialerHarness.StartAsync();
        var shortAgent = await capped.CreatePlaybookAsync(new { name = "short", max_duration_sec = 10 });
        await capped.UpsertContactAsync(Number);
        await capped.TopUpAsync(100);
        await (await capped.Admin.PostJsonAsync("/api/v1/calls", new { agent_id = shortAgent, to_e164 = Number })).ExpectAsync(201);
    }

    [Fact]
    public async Task The_refusals_come_in_the_contract_order()
    {
        // Opted out and without credits: the person's refusal comes before the money.
        await using var poor = await DialerHarness.StartAsync();
        var agentId = await poor.CreatePlaybookAsync();
        var contact = await poor.UpsertContactAsync(Number);
        await (await poor.Admin.PostJsonAsync($"/api/v1/contacts/{contact}/opt-out", new { channel = "all" })).ExpectAsync(200);
        var error = await (await poor.Admin.PostJsonAsync("/api/v1/calls", new { agent_id = agentId, to_e164 = Number })).ExpectErrorAsync(403, "forbidden");
        Assert.Equal("opted_out", (string?)error["details"]!["reason"]);
        // An unknown agent comes before everything else.
        await (await poor.Admin.PostJsonAsync("/api/v1/calls", new { agent_id = Guid.CreateVersion7().ToString(), to_e164 = Number })).ExpectErrorAsync(404, "not_found", "agent_id");
    }

    [Theory]
    [InlineData("to_e164", "98123 45678")]
    [InlineData("to_e164", "+91")]
    [InlineData("from_e164", "+1 555")]
    public async Task A_malformed_number_is_422_naming_the_field(string field, string value)
    {
        await _harness.UpsertContactAsync(Number);
        var body = new JsonObject { ["agent_id"] = _agentId, ["to_e164"] = Number, [field] = value };
        var error = await (await _harness.Admin.PostRawAsync("/api/v1/calls", body.ToJsonString())).ExpectErrorAsync(422, "invalid_request", field);
        Assert.Contains("E.164", (string?)error["message"]);
        Assert.True(error["details"]!["fieldErrors"]![field] is JsonArray);
    }

    [Fact]
    public async Task Missing_or_out_of_range_fields_are_422_naming_them()
    {
        await (await PlaceAsync(new { to_e164 = Number })).ExpectErrorAsync(422, "invalid_request", "agent_id");
        await (await PlaceAsync(new { agent_id = _agentId })).ExpectErrorAsync(422, "invalid_request", "to_e164");
        await (await PlaceAsync(new { agent_id = _agentId, to_e164 = Number, max_duration_sec = 0 })).ExpectErrorAsync(422, "invalid_request", "max_duration_sec");
        await (await PlaceAsync(new { agent_id = _agentId, to_e164 = Number, language = "not a language" })).ExpectErrorAsync(422, "invalid_request", "language");
        await (await _harness.Admin.PostRawAsync("/api/v1/calls", "{\"agent_id\": 5}")).ExpectErrorAsync(400, "invalid_request", "agent_id");
    }

    [Fact]
    public async Task A_read_key_cannot_place_calls()
    {
        var created = await (await _harness.Admin.PostJsonAsync("/api/v1/api-keys", new { name = "reader", scope = "read" })).ExpectAsync(201);
        using var reader = _harness.Appliance.Client((string)created["key"]!);
        await (await reader.PostJsonAsync("/api/v1/calls", new { agent_id = _agentId, to_e164 = Number })).ExpectErrorAsync(403, "forbidden");
        await (await reader.GetAsync("/api/v1/calls")).ExpectAsync(200);
    }
}
