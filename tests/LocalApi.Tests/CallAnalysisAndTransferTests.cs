using System.Text.Json.Nodes;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.LocalApi.Tests;

/// <summary><c>POST /calls/{id}/analysis</c> and <c>/transfer</c> on simulated calls, on the fake clock.</summary>
public sealed class CallAnalysisAndTransferTests : IAsyncLifetime
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
    public async Task An_analysis_posted_during_the_call_rides_on_call_completed_and_one_posted_after_is_sent_as_call_analyzed()
    {
        var callId = await LiveCallAsync("+919812345678");
        var during = await (await _harness.Admin.PostJsonAsync($"/api/v1/calls/{callId}/analysis", new
        {
            transcript = new object[]
            {
                new { speaker = "agent", text = "Hello, this is Acme about your renewal.", at = "2026-06-01T06:00:20Z" },
                new { speaker = "callee", text = "Yes, please renew it." },
            },
            llm_extracted_intent = "renew_policy",
            llm_sentiment = "positive",
            llm_outcome = "renewal_agreed",
            summary = "The callee agreed to renew.",
        })).ExpectAsync(200);
        Assert.Equal("renew_policy", (string?)during["data"]!["llm_extracted_intent"]);
        Assert.Equal("callee", (string?)during["data"]!["transcript"]![1]!["speaker"]);

        await _harness.AdvanceUntilFinalAsync(callId);
        var completed = JsonNode.Parse((await EventsAsync("call.completed")).Single().Data)!;
        Assert.Equal(callId, (string?)completed["id"]);
        Assert.Equal("renewal_agreed", (string?)completed["llm_outcome"]);
        Assert.Equal("The callee agreed to renew.", (string?)completed["summary"]);
        Assert.Equal("Yes, please renew it.", (string?)completed["transcript"]![1]!["text"]);
        Assert.Empty(await EventsAsync("call.analyzed"));

        _harness.Time.Advance(TimeSpan.FromHours(1));
        await (await _harness.Admin.PostJsonAsync($"/api/v1/calls/{callId}/analysis", new
        {
            transcript = new[] { new { speaker = "agent", text = "Corrected transcript." } },
            llm_outcome = "callback_requested",
        })).ExpectAsync(200);
        var analyzed = JsonNode.Parse((await EventsAsync("call.analyzed")).Single().Data)!;
        Assert.Equal("callback_requested", (string?)analyzed["llm_outcome"]);
        Assert.Null(analyzed["llm_sentiment"]);
        var call = await _harness.GetCallAsync(callId);
        Assert.Equal("Corrected transcript.", (string?)call["transcript"]![0]!["text"]);
        Assert.Single(call["transcript"]!.AsArray());
        Assert.Equal("callback_requested", (string?)call["llm_outcome"]);

        _harness.Time.Advance(TimeSpan.FromHours(24));
        await (await _harness.Admin.PostJsonAsync($"/api/v1/calls/{callId}/analysis", new { transcript = Array.Empty<object>() }))
            .ExpectErrorAsync(409, "conflict");
    }

    [Fact]
    public async Task An_analysis_is_checked_refused_before_the_answer_and_another_orgs_key_gets_404()
    {
        var callId = await LiveCallAsync("+919812345688");
        await (await _harness.Admin.PostJsonAsync($"/api/v1/calls/{callId}/analysis", new { transcript = new[] { new { speaker = "robot", text = "hi" } } }))
            .ExpectErrorAsync(422, "invalid_request", "transcript");
        await (await _harness.Admin.PostJsonAsync($"/api/v1/calls/{callId}/analysis", new { summary = "no transcript" }))
            .ExpectErrorAsync(422, "invalid_request", "transcript");

        using var other = await OtherOrgClientAsync();
        await (await other.PostJsonAsync($"/api/v1/calls/{callId}/analysis", new { transcript = Array.Empty<object>() })).ExpectErrorAsync(404, "not_found");
        await (await other.PostJsonAsync($"/api/v1/calls/{callId}/transfer", new { target = "+918012345678" })).ExpectErrorAsync(404, "not_found");

        await _harness.UpsertContactAsync("+919812345677");
        var queued = await _harness.PlaceCallAsync(new { agent_id = _agentId, to_e164 = "+919812345677", not_before = "2026-06-03T06:00:00Z" });
        await (await _harness.Admin.PostJsonAsync($"/api/v1/calls/{queued}/analysis", new { transcript = Array.Empty<object>() })).ExpectErrorAsync(409, "conflict");
    }

    [Fact]
    public async Task A_live_call_is_transferred_and_ends_handoff_and_an_ended_or_queued_call_is_409()
    {
        var callId = await LiveCallAsync("+919812345688");
        await (await _harness.Admin.PostJsonAsync($"/api/v1/calls/{callId}/transfer", new { target = "the front desk" }))
            .ExpectErrorAsync(422, "invalid_request", "target");
        var accepted = await (await _harness.Admin.PostJsonAsync($"/api/v1/calls/{callId}/transfer", new { target = "+91 80 1234 5678" })).ExpectAsync(202);
        Assert.Equal(callId, (string?)accepted["data"]!["id"]);

        var ended = await _harness.AdvanceUntilFinalAsync(callId);
        Assert.Equal("completed", ended.Status);
        Assert.Equal("handoff", ended.EndReason);
        var call = await _harness.GetCallAsync(callId);
        var requested = call["timeline"]!.AsArray().Single(e => (string?)e!["type"] == "handoff_requested")!;
        Assert.Equal("+918012345678", (string?)requested["data"]!["target"]);
        Assert.Equal("api", (string?)requested["data"]!["requested_by"]);

        await (await _harness.Admin.PostJsonAsync($"/api/v1/calls/{callId}/transfer", new { target = "+918012345678" })).ExpectErrorAsync(409, "conflict");
    }

    private async Task<string> LiveCallAsync(string phone)
    {
        await _harness.UpsertContactAsync(phone);
        var callId = await _harness.PlaceCallAsync(new { agent_id = _agentId, to_e164 = phone });
        await _harness.AdvanceUntilAsync(callId, c => c.Status == "in_progress");
        return callId;
    }

    private async Task<IReadOnlyList<StoredEvent>> EventsAsync(string type) =>
        await _harness.Appliance.Get<EventReader>().AfterAsync(await _harness.DefaultOrgIdAsync(), 0, [type], 100, default);

    private async Task<HttpClient> OtherOrgClientAsync()
    {
        var org = await _harness.Appliance.Get<OrgStore>().CreateAsync("other-org");
        var key = await _harness.Appliance.Get<ApiKeyStore>().CreateAsync(org.Id, new NewApiKey("other", Scope.Write));
        return _harness.Appliance.Client(key.FullKey);
    }
}
