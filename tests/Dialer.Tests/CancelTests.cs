using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Dialer.Tests;

/// <summary><c>POST /calls/{id}/cancel</c>: a queued or ringing call is canceled, a live one hung up.</summary>
public sealed class CancelTests : IAsyncLifetime
{
    private DialerHarness _harness = null!;
    private string _agentId = "";

    public async Task InitializeAsync()
    {
        _harness = await DialerHarness.StartAsync();
        _agentId = await _harness.CreatePlaybookAsync();
        await _harness.UpsertContactAsync("+919812345678");
        await _harness.UpsertContactAsync("+919812345682");
        await _harness.UpsertContactAsync("+919812345688");
        await _harness.TopUpAsync(100_000);
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task A_queued_call_is_canceled_at_once()
    {
        var callId = await _harness.PlaceCallAsync(new { agent_id = _agentId, to_e164 = "+919812345678", not_before = "2026-06-02T06:00:00Z" });
        var canceled = await (await _harness.Admin.PostAsync($"/api/v1/calls/{callId}/cancel", null)).ExpectAsync(200);
        Assert.Equal("canceled", (string?)canceled["data"]!["status"]);
        Assert.Equal("canceled", (string?)canceled["data"]!["end_reason"]);

        // Once ended, there is nothing left to cancel.
        await (await _harness.Admin.PostAsync($"/api/v1/calls/{callId}/cancel", null)).ExpectErrorAsync(409, "conflict");
        await (await _harness.Admin.PostAsync($"/api/v1/calls/{Guid.CreateVersion7()}/cancel", null)).ExpectErrorAsync(404, "not_found", "id");
    }

    [Fact]
    public async Task A_ringing_call_is_canceled_and_costs_nothing()
    {
        var callId = await _harness.PlaceCallAsync(new { agent_id = _agentId, to_e164 = "+919812345682" });
        await _harness.AdvanceUntilAsync(callId, c => c.Status == "ringing");

        var accepted = await (await _harness.Admin.PostAsync($"/api/v1/calls/{callId}/cancel", null)).ExpectAsync(202);
        Assert.Equal("ringing", (string?)accepted["data"]!["status"]);
        var ended = await _harness.AdvanceUntilFinalAsync(callId);
        Assert.Equal("canceled", ended.Status);
        Assert.Equal("canceled", ended.EndReason);
        Assert.Equal(0, ended.CreditsDebitedPaise);
    }

    [Fact]
    public async Task A_live_call_is_hung_up_and_billed_for_its_talk()
    {
        var callId = await _harness.PlaceCallAsync(new { agent_id = _agentId, to_e164 = "+919812345688" });
        var answered = await _harness.AdvanceUntilAsync(callId, c => c.Status == "in_progress" && _harness.Time.GetUtcNow() - c.AnsweredAt >= TimeSpan.FromSeconds(20));

        await (await _harness.Admin.PostAsync($"/api/v1/calls/{callId}/cancel", null)).ExpectAsync(202);
        var ended = await _harness.AdvanceUntilFinalAsync(callId);
        Assert.Equal("completed", ended.Status);
        Assert.Equal("canceled", ended.EndReason);
        Assert.InRange(ended.DurationSec!.Value, 20, 21);
        Assert.Equal(ended.DurationSec * 10L, ended.CreditsDebitedPaise);
    }
}
