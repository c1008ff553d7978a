using Cualify.Appliance.Testing;
using static Cualify.Appliance.Dialer.Tests.Sip.SipTrunkAppliance;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>
/// Calls that are never answered, end to end through the API and real UDP to sipp: each ends in the status and end
/// reason SPEC §3 maps its SIP result to, with its timeline, and costs nothing (the reservation is released).
/// </summary>
public sealed class SipUnansweredEndToEndTests
{
    [Fact]
    public async Task A_486_from_a_busy_callee_ends_the_call_busy()
    {
        await using var sipp = SippRun.StartUas("uas_busy.xml");
        await using var appliance = await StartAsync(sipp);

        var call = await appliance.EndedCallAsync(await appliance.PlaceCallAsync("+919812345611"));
        await sipp.AssertSucceededAsync();

        Assert.Equal(("busy", "busy", "SIP 486 Busy Here"), ((string?)call["status"], (string?)call["end_reason"], (string?)call["end_detail"]));
        Assert.Equal(["queued", "dialing", "hangup"], Timeline(call));
        Assert.Null(call["answered_at"]);
        await appliance.AssertBilledAsync(call);
    }

    [Fact]
    public async Task Ringing_then_480_ends_the_call_no_answer()
    {
        await using var sipp = SippRun.StartUas("uas_ring_480.xml");
        await using var appliance = await StartAsync(sipp);

        var call = await appliance.EndedCallAsync(await appliance.PlaceCallAsync("+919812345612"));
        await sipp.AssertSucceededAsync();

        Assert.Equal(("no_answer", "no_answer", "SIP 480 Temporarily Unavailable"), ((string?)call["status"], (string?)call["end_reason"], (string?)call["end_detail"]));
        Assert.Equal(["queued", "dialing", "ringing", "hangup"], Timeline(call));
        await appliance.AssertBilledAsync(call);
    }

    [Fact]
    public async Task A_call_ringing_past_the_ring_timeout_is_canceled_and_ends_no_answer()
    {
        await using var sipp = SippRun.StartUas("uas_no_answer.xml", timeout: TimeSpan.FromSeconds(90));
        await using var appliance = await StartAsync(sipp);

        var call = await appliance.EndedCallAsync(await appliance.PlaceCallAsync("+919812345613"), TimeSpan.FromSeconds(90));
        await sipp.AssertSucceededAsync();

        Assert.Equal(("no_answer", "no_answer"), ((string?)call["status"], (string?)call["end_reason"]));
        Assert.Equal(["queued", "dialing", "ringing", "hangup"], Timeline(call));
        // The ring timer (Dialer:RingTimeout, 15 s here) ended it, not some other hang-up; the exact instant is
        // checked on fake time (CallFlowTests). The CANCEL went out on the INVITE's branch and sipp ended the INVITE with 487.
        Assert.Equal("ring timeout", (string?)call["end_detail"]);
        var trace = SippTrace.Parse(sipp.Messages());
        Assert.Equal(SippTrace.Branch(trace.Received("INVITE")[0]), SippTrace.Branch(trace.Received("CANCEL")[0]));
        await appliance.AssertBilledAsync(call);
    }

    [Fact]
    public async Task Canceling_a_ringing_call_through_the_API_sends_CANCEL_and_ends_it_canceled()
    {
        await using var sipp = SippRun.StartUas("uas_no_answer.xml");
        // The longest ring timeout there is: a cancel left to the ring timer would not end the call within the wait below.
        await using var appliance = await StartAsync(sipp, settings: new Dictionary<string, string?> { ["Dialer:RingTimeout"] = "00:05:00" });
        var callId = await appliance.PlaceCallAsync("+919812345615");
        await appliance.WaitForStatusAsync(callId, "ringing");

        var canceling = await (await appliance.Admin.PostAsync($"/api/v1/calls/{callId}/cancel", null)).ExpectAsync(202);
        Assert.Equal("ringing", (string?)canceling["data"]!["status"]);
        var call = await appliance.EndedCallAsync(callId);
        await sipp.AssertSucceededAsync();

        Assert.Equal(("canceled", "canceled"), ((string?)call["status"], (string?)call["end_reason"]));
        Assert.Equal(["queued", "dialing", "ringing", "hangup"], Timeline(call));
        await appliance.AssertBilledAsync(call);
    }

    [Fact]
    public async Task A_wrong_password_fails_the_call_auth_failed_after_two_answers_to_the_challenge()
    {
        await using var sipp = SippRun.StartUas("uas_auth_wrong.xml");
        await using var appliance = await StartAsync(sipp, settings: new Dictionary<string, string?>
        {
            ["Dialer:Sip:Username"] = "alice",
            ["Dialer:Sip:Password"] = "not-the-password",
        });

        var call = await appliance.EndedCallAsync(await appliance.PlaceCallAsync("+919812345614"));
        await sipp.AssertSucceededAsync();

        Assert.Equal(("failed", "auth_failed"), ((string?)call["status"], (string?)call["end_reason"]));
        Assert.Equal(["queued", "dialing", "hangup"], Timeline(call));
        Assert.DoesNotContain("not-the-password", call.ToJsonString());
        await appliance.AssertBilledAsync(call);
    }
}
