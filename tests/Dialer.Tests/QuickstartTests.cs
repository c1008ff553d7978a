using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Dialer.Tests;

/// <summary>The README quickstart, step by step, on a fresh install with the simulator.</summary>
public sealed class QuickstartTests
{
    [Fact]
    public async Task A_fresh_install_places_a_simulator_call_and_shows_it_completed_with_its_debit()
    {
        await using var harness = await DialerHarness.StartAsync();
        var admin = harness.Admin;

        // 1. A playbook (the call's agent_id).
        var agentId = await harness.CreatePlaybookAsync();
        // 2. The contact, with the consent under which they may be called.
        var contactId = await harness.UpsertContactAsync("+919812345678");
        // 3. Credits, topped up by the operator with the CLI.
        await harness.TopUpAsync(10_000);
        // 4. The call.
        var queued = await (await admin.PostJsonAsync("/api/v1/calls", new { agent_id = agentId, to_e164 = "+91 98123 45678", metadata = new { crm_lead_id = "L-7890" } }))
            .ExpectAsync(201);
        var call = queued["data"]!;
        var callId = (string)call["id"]!;
        Assert.Equal("queued", (string?)call["status"]);
        Assert.Equal("simulator", (string?)call["provider"]);
        Assert.Equal("+919812345678", (string?)call["to_e164"]);
        Assert.Equal(agentId, (string?)call["agent_id"]);
        Assert.Equal("2026-06-01T06:00:00Z", (string?)call["scheduled_for"]);

        // 5. Poll until it is over.
        await harness.AdvanceUntilFinalAsync(callId);
        var done = await harness.GetCallAsync(callId);
        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal("answered", (string?)done["outcome"]);
        Assert.Equal("remote_hangup", (string?)done["end_reason"]);
        Assert.Equal(contactId, (string?)done["contact_id"]);
        Assert.Equal("outbound", (string?)done["direction"]);
        Assert.Equal("L-7890", (string?)done["metadata"]!["crm_lead_id"]);
        Assert.StartsWith("sim_", (string?)done["provider_call_id"]);
        var duration = (int)done["duration_sec"]!;
        Assert.InRange(duration, 30, 31); // the simulated callee hangs up 30 s after answering
        Assert.Equal(duration * 10, (long)done["credits_debited_paise"]!); // the default rate: 10 paise a second
        Assert.NotNull(done["started_at"]);
        Assert.NotNull(done["ended_at"]);
        Assert.Equal(
            ["queued", "dialing", "ringing", "answered", "disclosure_played", "hangup"],
            done["timeline"]!.AsArray().Select(e => (string)e!["type"]!));

        // 6. The balance shows the debit, nothing stays reserved, and the ledger explains it.
        var credits = (await (await admin.GetAsync("/api/v1/credits")).ExpectAsync(200))["data"]!;
        Assert.Equal(10_000 - duration * 10, (long)credits["balance_paise"]!);
        Assert.Equal(0, (long)credits["reserved_paise"]!);
        var ledger = (await (await admin.GetAsync("/api/v1/credits/ledger")).ExpectAsync(200))["data"]!.AsArray();
        Assert.Equal(["release", "settlement", "reservation", "topup"], ledger.Select(e => (string)e!["kind"]!));
        Assert.Equal(10_000 - duration * 10, ledger.Sum(e => (long)e!["amount_paise"]!));

        // 7. The events a webhook subscriber gets, each written with its change.
        var events = await harness.Appliance.Get<EventReader>().AfterAsync(await harness.DefaultOrgIdAsync(), 0, ["call.queued", "call.answered", "call.completed"], 100, default);
        Assert.Equal(["call.queued", "call.answered", "call.completed"], events.Select(e => e.Type));
        Assert.Contains("\"outcome\":\"answered\"", events[2].Data);
        Assert.Contains($"\"duration_sec\":{duration}", events[2].Data);
    }
}
