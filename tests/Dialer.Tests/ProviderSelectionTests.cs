using Cualify.Appliance.Dialer.Telephony;
using Cualify.Appliance.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Cualify.Appliance.Dialer.Tests;

/// <summary>
/// The sip and twilio providers plug in by name: a provider registered under its name is picked by
/// <c>Dialer:Provider</c> and gets every call, with the dialer's rules still above it.
/// </summary>
public sealed class ProviderSelectionTests
{
    /// <summary>A stand-in for another engineer's provider: the trunk answers busy at once, as a SIP 486 would.</summary>
    private sealed class BusyTrunk : ITelephonyProvider, IProviderCall
    {
        public static int Started;

        public string Name => "sip";

        public string ProviderCallId => "CA0123456789abcdef0123456789abcdef";

        public async Task<IProviderCall> StartAsync(CallPlan plan, ICallProgress progress, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Started);
            Assert.Equal(TimeSpan.FromSeconds(30), plan.RingTimeout);
            Assert.Equal(TimeSpan.FromSeconds(300), plan.EffectiveMaxDuration);
            Assert.Equal("handoff", plan.Playbook.Dtmf["1"]);
            await progress.RingingAsync(cancellationToken);
            await progress.EndedAsync(new CallEnd(CallOutcome.Busy, "busy", Detail: "486 Busy Here"), cancellationToken);
            return this;
        }

        public Task HangUpAsync(HangupReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task TransferAsync(string target, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [Fact]
    public async Task The_provider_named_by_Dialer_Provider_places_the_calls()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Dialer:Provider"] = "sip",
            ["Dialer:Sip:Trunk"] = "127.0.0.1:5999",
            ["Dialer:Sip:LocalAddress"] = "127.0.0.1",
            ["Dialer:Sip:LocalPort"] = "0",
        };
        await using var harness = await DialerHarness.StartAsync(settings: settings, services: s => s.AddTelephonyProvider<BusyTrunk>("sip"));
        var agentId = await harness.CreatePlaybookAsync();
        await harness.UpsertContactAsync("+919812345678");
        await harness.TopUpAsync(10_000);

        var callId = await harness.PlaceCallAsync(new { agent_id = agentId, to_e164 = "+919812345678" });
        var ended = await harness.AdvanceUntilFinalAsync(callId);

        Assert.Equal(("busy", "busy", "sip"), (ended.Status, ended.EndReason, ended.Provider));
        Assert.Equal("486 Busy Here", ended.EndDetail);
        Assert.Equal(0, ended.CreditsDebitedPaise);
        Assert.True(BusyTrunk.Started > 0);
    }
}

