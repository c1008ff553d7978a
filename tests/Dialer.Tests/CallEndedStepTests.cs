using Cualify.Appliance.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Cualify.Appliance.Dialer.Tests;

/// <summary>A feature that placed a call (a sequence's voice step) hears of its end in the same transaction.</summary>
public sealed class CallEndedStepTests
{
    private sealed class RecordingStep : Core.Calls.ICallEndedStep
    {
        public List<(string Id, string Status, long Debit, long EventsInTx)> Ended { get; } = [];

        public async Task CallEndedAsync(Core.Store.StoreTransaction tx, Core.Calls.Call ended)
        {
            var events = await tx.ExecuteScalarAsync<long>($"SELECT count(*) FROM events WHERE type IN ('call.completed', 'call.failed') AND {tx.Dialect.JsonText("data", "id")} = @Id", new { ended.Id });
            Ended.Add((ended.Id, ended.Status, ended.CreditsDebitedPaise, events));
        }
    }

    [Fact]
    public async Task Every_final_status_reaches_the_registered_steps_once_with_its_settlement_and_event()
    {
        var step = new RecordingStep();
        await using var harness = await DialerHarness.StartAsync(services: s => s.AddSingleton<Core.Calls.ICallEndedStep>(step));
        var agentId = await harness.CreatePlaybookAsync();
        await harness.UpsertContactAsync("+919812345678");
        await harness.UpsertContactAsync("+919812345681");
        await harness.TopUpAsync(10_000);

        var answered = await harness.PlaceCallAsync(new { agent_id = agentId, to_e164 = "+919812345678" });
        var busy = await harness.PlaceCallAsync(new { agent_id = agentId, to_e164 = "+919812345681" });
        var canceled = await harness.PlaceCallAsync(new { agent_id = agentId, to_e164 = "+919812345678", not_before = "2026-06-02T06:00:00Z" });
        await (await harness.Admin.PostAsync($"/api/v1/calls/{canceled}/cancel", null)).ExpectAsync(200);
        var done = await harness.AdvanceUntilFinalAsync(answered);
        await harness.AdvanceUntilFinalAsync(busy);

        Assert.Equal(3, step.Ended.Count);
        Assert.Contains((answered, "completed", done.CreditsDebitedPaise, 1L), step.Ended);
        Assert.Contains((busy, "busy", 0L, 1L), step.Ended);
        Assert.Contains((canceled, "canceled", 0L, 1L), step.Ended);
    }
}
