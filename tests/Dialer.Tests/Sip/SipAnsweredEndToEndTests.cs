using Cualify.Appliance.Testing;
using static Cualify.Appliance.Dialer.Tests.Sip.SipTrunkAppliance;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>
/// Answered calls end to end: <c>POST /api/v1/calls</c> on the real appliance (<c>Dialer:Provider=sip</c>, wall
/// clock), our user agent over real UDP to sipp playing the callee, then <c>GET /api/v1/calls/{id}</c>: status,
/// end reason, timeline and the credits billed (talk rounded up to 6 s × 3 paise), with nothing left reserved.
/// </summary>
public sealed class SipAnsweredEndToEndTests
{
    [Fact]
    public async Task An_answered_call_is_hung_up_with_BYE_at_its_max_duration_and_billed_for_it()
    {
        await using var sipp = SippRun.StartUas("uas_answer_wait_bye.xml");
        await using var appliance = await StartAsync(sipp, promptSeconds: 1);

        var callId = await appliance.PlaceCallAsync("+919812345601", maxDurationSec: 5);
        var call = await appliance.EndedCallAsync(callId);
        await sipp.AssertSucceededAsync();

        Assert.Equal(("completed", "max_duration_reached", "sip"), ((string?)call["status"], (string?)call["end_reason"], (string?)call["provider"]));
        Assert.Equal(["queued", "dialing", "ringing", "answered", "disclosure_played", "max_duration_reached", "hangup"], Timeline(call));
        Assert.Equal(TimelineAt(call, "answered").AddSeconds(5), TimelineAt(call, "max_duration_reached"));
        Assert.Equal((5, 6, 18L), ((int?)call["duration_sec"], (int?)call["billed_sec"], (long)call["credits_debited_paise"]!));
        var invite = SippTrace.Parse(sipp.Messages()).Received("INVITE")[0];
        Assert.Equal(SippTrace.Header(invite, "Call-ID"), (string?)call["provider_call_id"]);
        Assert.Contains($"<sip:{CallerId}@cualify.test>", SippTrace.Header(invite, "From"));
        Assert.Equal($"<sip:{CallerId}@cualify.test>", SippTrace.Header(invite, "P-Asserted-Identity"));
        Assert.Single(SippTrace.Parse(sipp.Messages()).Received("BYE").Distinct());
        await appliance.AssertBilledAsync(call);
    }

    [Fact]
    public async Task Stopping_the_appliance_hangs_up_a_live_call_with_BYE_and_settles_it()
    {
        await using var sipp = SippRun.StartUas("uas_answer_wait_bye.xml");
        await using var appliance = await StartAsync(sipp, promptSeconds: 8);
        var callId = await appliance.PlaceCallAsync("+919812345605");
        await appliance.WaitForStatusAsync(callId, "in_progress");

        await appliance.Appliance.StopAsync();
        await sipp.AssertSucceededAsync();

        var call = await appliance.Appliance.Get<Cualify.Appliance.Core.Calls.CallReader>().GetAsync(callId);
        Assert.Equal(("completed", "appliance_shutdown"), (call!.Status, call.EndReason));
        Assert.True(call.DurationSec >= 1, $"{call.DurationSec} s");
        Assert.Equal((call.DurationSec + BillingIncrementSec - 1) / BillingIncrementSec * BillingIncrementSec * RatePaisePerSec, call.CreditsDebitedPaise);
    }

    [Fact]
    public async Task A_digest_challenge_is_answered_with_the_configured_password_and_the_call_goes_through()
    {
        await using var sipp = SippRun.StartUas("uas_auth.xml");
        await using var appliance = await StartAsync(sipp, promptSeconds: 1, new Dictionary<string, string?>
        {
            ["Dialer:Sip:Username"] = "alice",
            ["Dialer:Sip:Password"] = "s3cret-pass",
            ["Dialer:Sip:DigitWait"] = "00:00:01",
        });

        var callId = await appliance.PlaceCallAsync("+919812345602");
        var call = await appliance.EndedCallAsync(callId);
        await sipp.AssertSucceededAsync();

        // sipp's verifyauth accepted the second INVITE; the prompt played, nobody pressed a key, we hung up.
        Assert.Equal(("completed", "playbook_finished"), ((string?)call["status"], (string?)call["end_reason"]));
        Assert.Equal(["queued", "dialing", "answered", "disclosure_played", "hangup"], Timeline(call));
        Assert.InRange((int)call["duration_sec"]!, 2, 30);
        Assert.Equal(["1 INVITE", "2 INVITE"], SippTrace.Parse(sipp.Messages()).Received("INVITE").Select(i => SippTrace.Header(i, "CSeq")).Distinct());
        await appliance.AssertBilledAsync(call);
    }

    [Fact]
    public async Task A_BYE_from_the_callee_mid_call_ends_it_remote_hangup_billed_for_the_talk()
    {
        await using var sipp = SippRun.StartUas("uas_remote_bye.xml");
        await using var appliance = await StartAsync(sipp, promptSeconds: 8);

        var callId = await appliance.PlaceCallAsync("+919812345603");
        var call = await appliance.EndedCallAsync(callId);
        await sipp.AssertSucceededAsync();

        // sipp hangs up 1.5 s after its ACK, while the 8 s prompt is still playing.
        Assert.Equal(("completed", "remote_hangup", "answered"), ((string?)call["status"], (string?)call["end_reason"], (string?)call["outcome"]));
        Assert.Equal(["queued", "dialing", "ringing", "answered", "hangup"], Timeline(call));
        Assert.InRange((int)call["duration_sec"]!, 2, 8);
        await appliance.AssertBilledAsync(call);
    }

    [Fact]
    public async Task Key_9_as_RFC_4733_opts_the_callee_out_ends_the_call_and_blocks_the_number()
    {
        const string callee = "+919812345604";
        await using var sipp = SippRun.StartUas("uas_dtmf9.xml", prepareFolder: folder => DtmfPcap.Write(Path.Combine(folder, "dtmf9.pcap"), eventCode: 9));
        await using var appliance = await StartAsync(sipp, promptSeconds: 8);

        var callId = await appliance.PlaceCallAsync(callee);
        var call = await appliance.EndedCallAsync(callId);
        await sipp.AssertSucceededAsync();

        Assert.Equal(("completed", "opted_out", "opted_out"), ((string?)call["status"], (string?)call["end_reason"], (string?)call["outcome"]));
        Assert.Equal(["queued", "dialing", "answered", "dtmf_received", "opted_out", "hangup"], Timeline(call));
        var key = call["timeline"]!.AsArray().Single(e => (string)e!["type"]! == "dtmf_received")!["data"]!;
        Assert.Equal(("9", "opt_out"), ((string?)key["digit"], (string?)key["action"]));
        await appliance.AssertBilledAsync(call);

        var contact = (await (await appliance.Admin.GetAsync($"/api/v1/contacts/{(string)call["contact_id"]!}")).ExpectAsync(200))["data"]!;
        Assert.True((bool)contact["opted_out"]!);
        var refused = await (await appliance.Admin.PostJsonAsync("/api/v1/calls", new { agent_id = appliance.AgentId, to_e164 = callee }))
            .ExpectErrorAsync(403, "forbidden");
        Assert.Equal("opted_out", (string?)refused["details"]!["reason"]);
    }
}
