using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Dialer.Tests;

/// <summary>What the scheduler re-checks when a queued call falls due: some calls wait, some end failed.</summary>
public sealed class DialPolicyTests : IAsyncLifetime
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

    private Task<string> QueueForLaterAsync(string number) =>
        _harness.PlaceCallAsync(new { agent_id = _agentId, to_e164 = number, not_before = "2026-06-01T07:00:00Z" });

    [Fact]
    public async Task Changes_after_queueing_end_the_call_failed_with_their_reason()
    {
        var optedOut = await _harness.UpsertContactAsync("+919812345601");
        await _harness.UpsertContactAsync("+919812345602");
        var optOutCall = await QueueForLaterAsync("+919812345601");
        var agentGone = await _harness.CreatePlaybookAsync(new { name = "temporary" });
        var agentCall = await _harness.PlaceCallAsync(new { agent_id = agentGone, to_e164 = "+919812345602", not_before = "2026-06-01T07:00:00Z" });

        await (await _harness.Admin.PostJsonAsync($"/api/v1/contacts/{optedOut}/opt-out", new { channel = "voice" })).ExpectAsync(200);
        await (await _harness.Admin.DeleteAsync($"/api/v1/playbooks/{agentGone}")).ExpectAsync(200);

        Assert.Equal(("failed", "opted_out"), await EndOfAsync(optOutCall));
        Assert.Equal(("failed", "agent_deleted"), await EndOfAsync(agentCall));
    }

    [Fact]
    public async Task A_plan_deactivated_after_queueing_ends_the_call_failed_no_active_plan()
    {
        await _harness.UpsertContactAsync("+919812345678");
        var callId = await QueueForLaterAsync("+919812345678");
        using var op = await _harness.OperatorAsync();
        await (await op.PatchJsonAsync($"/api/v1/orgs/{await _harness.DefaultOrgIdAsync()}", new { plan = "inactive" })).ExpectAsync(200);
        Assert.Equal(("failed", "no_active_plan"), await EndOfAsync(callId));
    }

    [Fact]
    public async Task Credits_spent_after_queueing_end_the_call_failed_insufficient_credits()
    {
        await using var poor = await DialerHarness.StartAsync();
        var agentId = await poor.CreatePlaybookAsync();
        await poor.UpsertContactAsync("+919812345678");
        await poor.UpsertContactAsync("+919812345688");
        await poor.TopUpAsync(700);
        var first = await poor.PlaceCallAsync(new { agent_id = agentId, to_e164 = "+919812345688", max_duration_sec = 60 });
        var second = await poor.PlaceCallAsync(new { agent_id = agentId, to_e164 = "+919812345678", not_before = "2026-06-01T07:00:00Z" });
        await poor.AdvanceUntilFinalAsync(first);
        var ended = await poor.AdvanceUntilAsync(second, c => c.IsFinal, TimeSpan.FromHours(2), TimeSpan.FromMinutes(1));
        Assert.Equal(("failed", "insufficient_credits"), (ended.Status, ended.EndReason)); // 100 paise left: under 30 s worth
    }

    [Fact]
    public async Task The_daily_attempt_cap_makes_further_calls_wait_24_hours_from_the_oldest_attempt()
    {
        await (await _harness.Admin.PatchJsonAsync("/api/v1/org", new { max_attempts_per_day = 2, calling_hours = "* * * * *" })).ExpectAsync(200);
        await _harness.UpsertContactAsync("+919812345681");
        var first = await _harness.PlaceCallAsync(new { agent_id = _agentId, to_e164 = "+919812345681" });
        var started = (await _harness.AdvanceUntilFinalAsync(first)).StartedAt!.Value;
        var second = await _harness.PlaceCallAsync(new { agent_id = _agentId, to_e164 = "+919812345681" });
        await _harness.AdvanceUntilFinalAsync(second);
        var third = await _harness.PlaceCallAsync(new { agent_id = _agentId, to_e164 = "+919812345681" });

        var waiting = await _harness.AdvanceUntilAsync(third, c => c.ScheduledFor > _harness.Time.GetUtcNow());
        Assert.Equal("queued", waiting.Status);
        Assert.Equal(started.AddHours(24), waiting.ScheduledFor);
        var dialed = await _harness.AdvanceUntilAsync(third, c => c.StartedAt is not null, TimeSpan.FromHours(25), TimeSpan.FromMinutes(10));
        Assert.True(dialed.StartedAt >= started.AddHours(24));
    }

    [Fact]
    public async Task An_org_at_its_concurrency_limit_waits_for_a_call_to_end()
    {
        using var op = await _harness.OperatorAsync();
        await (await op.PatchJsonAsync($"/api/v1/orgs/{await _harness.DefaultOrgIdAsync()}", new { max_concurrent_calls = 1 })).ExpectAsync(200);
        await _harness.UpsertContactAsync("+919812345678");
        await _harness.UpsertContactAsync("+919812345612");
        var first = await _harness.PlaceCallAsync(new { agent_id = _agentId, to_e164 = "+919812345678" });
        var second = await _harness.PlaceCallAsync(new { agent_id = _agentId, to_e164 = "+919812345612" });

        var firstEnded = await _harness.AdvanceUntilFinalAsync(first);
        var secondCall = await _harness.AdvanceUntilAsync(second, c => c.StartedAt is not null);
        Assert.True(secondCall.StartedAt >= firstEnded.EndedAt, $"the second call started at {secondCall.StartedAt}, before the first ended at {firstEnded.EndedAt}");
    }

    private async Task<(string, string?)> EndOfAsync(string callId)
    {
        var call = await _harness.AdvanceUntilAsync(callId, c => c.IsFinal, TimeSpan.FromHours(2), TimeSpan.FromMinutes(1));
        Assert.Null(call.StartedAt);
        Assert.Equal(0, call.CreditsDebitedPaise);
        return (call.Status, call.EndReason);
    }
}
