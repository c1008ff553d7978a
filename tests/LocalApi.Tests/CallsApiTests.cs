using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.LocalApi.Tests;

public sealed class CallsApiTests : IAsyncLifetime
{
    private DialerHarness _harness = null!;
    private string _agentId = "";

    public async Task InitializeAsync()
    {
        _harness = await DialerHarness.StartAsync();
        _agentId = await _harness.CreatePlaybookAsync();
        await _harness.TopUpAsync(100_000);
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Calls_are_listed_newest_first_with_filters_pagination_and_every_contract_field()
    {
        var otherAgent = await _harness.CreatePlaybookAsync(new { name = "other" });
        var busyContact = await _harness.UpsertContactAsync("+919812345681");
        await _harness.UpsertContactAsync("+919812345678");
        var busy = await _harness.PlaceCallAsync(new { agent_id = _agentId, to_e164 = "+919812345681" });
        await _harness.AdvanceUntilFinalAsync(busy);
        var later = _harness.Time.GetUtcNow();
        var queued = await _harness.PlaceCallAsync(new { agent_id = otherAgent, to_e164 = "+919812345678", not_before = "2026-06-03T06:00:00Z" });

        var all = await (await _harness.Admin.GetAsync("/api/v1/calls")).ExpectAsync(200);
        Assert.Equal([queued, busy], all["data"]!.AsArray().Select(c => (string)c!["id"]!));
        Assert.Equal(2, (long)all["pagination"]!["total"]!);
        var first = all["data"]![1]!.AsObject();
        foreach (var field in new[] { "id", "status", "direction", "from_e164", "to_e164", "language", "agent_id", "contact_id", "duration_sec", "credits_debited_paise",
                     "recording_url", "llm_extracted_intent", "llm_sentiment", "llm_outcome", "outcome", "end_reason", "provider", "provider_call_id", "metadata",
                     "started_at", "ended_at", "created_at" })
        {
            Assert.True(first.ContainsKey(field), $"a listed call lacks {field}");
        }

        Assert.Equal(busyContact, (string?)first["contact_id"]);
        Assert.Equal("en-IN", (string?)first["language"]);
        Assert.Null(first["llm_sentiment"]);

        async Task<IEnumerable<string>> IdsAsync(string query) =>
            (await (await _harness.Admin.GetAsync($"/api/v1/calls?{query}")).ExpectAsync(200))["data"]!.AsArray().Select(c => (string)c!["id"]!);
        Assert.Equal([busy], await IdsAsync("status=busy"));
        Assert.Equal([queued], await IdsAsync("status=queued"));
        Assert.Equal([queued], await IdsAsync($"agent_id={otherAgent}"));
        Assert.Equal([busy], await IdsAsync($"contact_id={busyContact}"));
        Assert.Equal([queued], await IdsAsync($"created_after={Uri.EscapeDataString(later.AddMilliseconds(-1).ToString("O"))}"));
        Assert.Equal([busy], await IdsAsync($"created_before={Uri.EscapeDataString(later.AddMilliseconds(-1).ToString("O"))}"));
        Assert.Equal([busy], await IdsAsync("limit=1&offset=1"));

        await (await _harness.Admin.GetAsync("/api/v1/calls?status=ringing_loudly")).ExpectErrorAsync(400, "invalid_request", "status");
        await (await _harness.Admin.GetAsync("/api/v1/calls?limit=101")).ExpectErrorAsync(400, "invalid_request", "limit");
        await (await _harness.Admin.GetAsync("/api/v1/calls?created_after=yesterday")).ExpectErrorAsync(400, "invalid_request", "created_after");

        var detail = await _harness.GetCallAsync(busy);
        Assert.True(detail.AsObject().ContainsKey("transcript"));
        Assert.All(detail["timeline"]!.AsArray(), e => Assert.NotNull(e!["at"]));
    }

    [Fact]
    public async Task Another_org_never_sees_or_cancels_these_calls()
    {
        await _harness.UpsertContactAsync("+919812345678");
        var callId = await _harness.PlaceCallAsync(new { agent_id = _agentId, to_e164 = "+919812345678", not_before = "2026-06-03T06:00:00Z" });
        using var op = await _harness.OperatorAsync();
        var other = await (await op.PostJsonAsync("/api/v1/orgs", new { name = "other" })).ExpectAsync(201);
        using var otherAdmin = _harness.Appliance.Client((string)other["admin_key"]!);

        await (await otherAdmin.GetAsync($"/api/v1/calls/{callId}")).ExpectErrorAsync(404, "not_found", "id");
        await (await otherAdmin.PostAsync($"/api/v1/calls/{callId}/cancel", null)).ExpectErrorAsync(404, "not_found", "id");
        Assert.Equal(0, (long)(await (await otherAdmin.GetAsync("/api/v1/calls")).ExpectAsync(200))["pagination"]!["total"]!);
    }

    [Fact]
    public async Task A_repeated_request_with_the_same_idempotency_key_places_one_call()
    {
        await _harness.UpsertContactAsync("+919812345678");
        var body = new { agent_id = _agentId, to_e164 = "+919812345678", not_before = "2026-06-03T06:00:00Z" };
        var first = await (await _harness.Admin.PostJsonAsync("/api/v1/calls", body, "crm-lead-7890")).ExpectAsync(201);
        var again = await (await _harness.Admin.PostJsonAsync("/api/v1/calls", body, "crm-lead-7890")).ExpectAsync(201);
        Assert.Equal((string?)first["data"]!["id"], (string?)again["data"]!["id"]);
        await (await _harness.Admin.PostJsonAsync("/api/v1/calls", body with { not_before = "2026-06-04T06:00:00Z" }, "crm-lead-7890")).ExpectErrorAsync(409, "conflict");
        Assert.Equal(1, (long)(await (await _harness.Admin.GetAsync("/api/v1/calls")).ExpectAsync(200))["pagination"]!["total"]!);
    }

    [Fact]
    public async Task A_queued_call_is_dialed_at_once_without_waiting_for_a_poll()
    {
        await _harness.UpsertContactAsync("+919812345678");
        var callId = await _harness.PlaceCallAsync(new { agent_id = _agentId, to_e164 = "+919812345678" });
        // The fake clock does not move: only the wake-up signal can get the call dialed.
        for (var i = 0; i < 500 && (await _harness.CallAsync(callId))!.Status == "queued"; i++)
        {
            await Task.Delay(10);
        }

        var call = (await _harness.CallAsync(callId))!;
        Assert.Equal("dialing", call.Status);
        Assert.Equal(DialerHarness.MondayMorningInIndia, call.StartedAt);
    }

    [Fact]
    public async Task Erasing_a_contact_cancels_their_queued_calls_and_scrubs_their_number_from_calls_and_events()
    {
        var contactId = await _harness.UpsertContactAsync("+919812345681");
        var done = await _harness.PlaceCallAsync(new { agent_id = _agentId, to_e164 = "+919812345681" });
        await _harness.AdvanceUntilFinalAsync(done);
        var waiting = await _harness.PlaceCallAsync(new { agent_id = _agentId, to_e164 = "+919812345681", not_before = "2026-06-03T06:00:00Z" });

        await (await _harness.Admin.DeleteAsync($"/api/v1/contacts/{contactId}")).ExpectAsync(200);

        var canceled = await _harness.GetCallAsync(waiting);
        Assert.Equal("canceled", (string?)canceled["status"]);
        Assert.Equal("contact_erased", (string?)canceled["end_reason"]);
        Assert.Null(canceled["to_e164"]);
        Assert.Null((await _harness.GetCallAsync(done))["to_e164"]);
        var events = await _harness.Appliance.Get<EventReader>().AfterAsync(await _harness.DefaultOrgIdAsync(), 0, null, 100, default);
        Assert.DoesNotContain(events, e => e.Data.Contains("9812345681"));
        Assert.Contains(events, e => e.Type == "call.failed" && e.Data.Contains("contact_erased"));
    }

    [Fact]
    public async Task Metrics_show_live_calls_final_statuses_and_admission_decisions()
    {
        await _harness.UpsertContactAsync("+919812345681");
        await _harness.UpsertContactAsync("+919812345688");
        await _harness.AdvanceUntilFinalAsync(await _harness.PlaceCallAsync(new { agent_id = _agentId, to_e164 = "+919812345681" }));
        var live = await _harness.PlaceCallAsync(new { agent_id = _agentId, to_e164 = "+919812345688" });
        await _harness.AdvanceUntilAsync(live, c => c.Status == "in_progress");

        using var anonymous = _harness.Appliance.Client();
        var metrics = await anonymous.GetStringAsync("/metrics");
        Assert.Contains("cualify_calls_live{status=\"in_progress\"} 1", metrics);
        Assert.Contains("cualify_calls_ended_total{status=\"busy\"} 1", metrics);
        Assert.Contains("cualify_dial_decisions_total{decision=\"admitted\",reason=\"admitted\"} 2", metrics);
    }

    [Fact]
    public async Task Stopping_the_appliance_hangs_up_live_calls_and_settles_them()
    {
        await _harness.UpsertContactAsync("+919812345688");
        var callId = await _harness.PlaceCallAsync(new { agent_id = _agentId, to_e164 = "+919812345688" });
        await _harness.AdvanceUntilAsync(callId, c => c.Status == "in_progress" && _harness.Time.GetUtcNow() - c.AnsweredAt >= TimeSpan.FromSeconds(12));

        await _harness.Appliance.StopAsync();

        var call = (await _harness.CallAsync(callId))!;
        Assert.Equal("completed", call.Status);
        Assert.Equal("appliance_shutdown", call.EndReason);
        Assert.InRange(call.DurationSec!.Value, 12, 13);
        Assert.Equal(call.DurationSec * 10L, call.CreditsDebitedPaise);
    }
}

public sealed class CallsOpenApiTests
{
    [Fact]
    public async Task The_OpenAPI_document_describes_the_playbook_and_call_endpoints()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        var document = await (await appliance.AdminClient().GetAsync("/api/v1/openapi.json")).ExpectAsync(200);
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        foreach (var path in new[] { "/api/v1/calls", "/api/v1/calls/{id}", "/api/v1/calls/{id}/cancel", "/api/v1/playbooks", "/api/v1/playbooks/{id}", "/api/v1/playbooks/{id}/audio" })
        {
            Assert.Contains(path, paths);
        }
    }
}
