using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Credits;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Dialer.Twilio;
using Cualify.Appliance.Testing;
using Dapper;
using Microsoft.Extensions.Configuration;

namespace Cualify.Appliance.Dialer.Tests.Twilio;

/// <summary>Two nodes on one PostgreSQL database behind one public address: Twilio's callbacks reach either (SPEC §9).</summary>
public sealed class TwilioClusterCallbackTests
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Dialer:Provider"] = "twilio",
        ["Dialer:Twilio:AccountSid"] = "AC" + new string('0', 32),
        ["Dialer:Twilio:AuthToken"] = "an-auth-token-of-the-account",
        ["Api:PublicBaseUrl"] = "https://calls.example.test/",
    };

    [Fact]
    public async Task A_status_callback_to_another_node_settles_the_call_with_twilios_billed_duration()
    {
        await using var placing = await NodeAsync();
        await using var other = await NodeAsync(placing);
        var callId = await DialingCallAsync(placing, "CA" + new string('1', 32));

        var callbacks = other.Get<TwilioCallbacks>();
        await callbacks.StatusAsync(callId, Form("ringing"), CancellationToken.None);
        Assert.Equal(CallStatus.Ringing, (await CallAsync(other, callId)).Status);
        await callbacks.StatusAsync(callId, Form("in-progress"), CancellationToken.None);
        Assert.Equal(CallStatus.InProgress, (await CallAsync(other, callId)).Status);
        await callbacks.StatusAsync(callId, Form("completed", ("CallDuration", "42")), CancellationToken.None);

        var ended = await CallAsync(placing, callId);
        Assert.Equal((CallStatus.Completed, CallEndReasons.RemoteHangup, 42), (ended.Status, ended.EndReason, ended.DurationSec));
        Assert.True(ended.CreditsDebitedPaise > 0, "the call is billed");
        Assert.Equal(0, await placing.Store.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT sum(reserved_paise) FROM orgs")));

        // A late or repeated report changes nothing: the end was recorded once.
        await callbacks.StatusAsync(callId, Form("completed", ("CallDuration", "50")), CancellationToken.None);
        Assert.Equal(42, (await CallAsync(placing, callId)).DurationSec);
    }

    [Fact]
    public async Task A_callback_naming_another_call_sid_is_ignored()
    {
        await using var placing = await NodeAsync();
        await using var other = await NodeAsync(placing);
        var callId = await DialingCallAsync(placing, "CA" + new string('1', 32));

        await other.Get<TwilioCallbacks>().StatusAsync(callId, Form("busy", ("CallSid", "CA" + new string('2', 32))), CancellationToken.None);

        Assert.Equal(CallStatus.Dialing, (await CallAsync(placing, callId)).Status);
    }

    private static Task<CoreHarness> NodeAsync(CoreHarness? sameDatabaseAs = null) =>
        CoreHarness.CreateAsync(StoreProvider.Postgres, services: s => s.AddTwilioTelephony(new ConfigurationBuilder().AddInMemoryCollection(Settings).Build()),
            migrate: sameDatabaseAs is null, sameDatabaseAs: sameDatabaseAs, settings: Settings);

    /// <summary>One call the placing node admitted and handed to Twilio, as its dialer leaves it.</summary>
    private static async Task<string> DialingCallAsync(CoreHarness node, string callSid)
    {
        await node.Get<ApplianceInitializer>().InitializeAsync();
        var orgs = node.Get<OrgStore>();
        var org = (await orgs.FindAsync("default"))!;
        await orgs.UpdateSettingsAsync(org.Id, new OrgSettingsChange(CallingHours: "* * * * *"));
        await node.Get<CreditLedger>().TopUpAsync(org.Id, 1_000_000, null);
        var playbook = await node.Get<PlaybookStore>().CreateAsync(org.Id, new PlaybookInput("p"));
        await node.Get<ContactStore>().UpsertAsync(org.Id, new ContactInput("+919812300001", ConsentCapture: "manual"));
        await node.Get<CallPlacement>().QueueAsync(org.Id, new CallRequest(playbook.Id, "+919812300001"));
        var admitted = Assert.Single((await node.Store.WriteAsync(tx => node.Get<CallAdmission>().AdmitAsync(tx, 1))).Admitted);
        await node.Get<CallLifecycle>().SetProviderCallIdAsync(admitted.Call.Id, callSid);
        return admitted.Call.Id;
    }

    private static Dictionary<string, string> Form(string status, params (string Key, string Value)[] more)
    {
        var form = new Dictionary<string, string> { ["CallSid"] = "CA" + new string('1', 32), ["CallStatus"] = status };
        foreach (var (key, value) in more)
        {
            form[key] = value;
        }

        return form;
    }

    private static async Task<Call> CallAsync(CoreHarness node, string callId) => (await node.Get<CallReader>().GetAsync(callId))!;
}
