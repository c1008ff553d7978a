using Cualify.Appliance.Dialer.Sip;
using Cualify.Appliance.Dialer.Telephony;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>Digest, remote hang-up, retransmitted 2xx and keys, each against sipp.</summary>
public sealed class SippDialogTests
{
    [Fact]
    public async Task A_digest_challenge_is_answered_with_credentials_sipp_verifies()
    {
        await using var sipp = SippRun.StartUas("uas_auth.xml");
        await using var stack = await TestStacks.StartAsync(sipp.Port, o => { o.Username = "alice"; o.Password = "s3cret-pass"; });
        var progress = new RecordingProgress();

        await new SipTelephonyProvider(stack).StartAsync(TestStacks.Plan(), progress, CancellationToken.None);
        var end = await progress.EndAsync();

        await sipp.AssertSucceededAsync();
        Assert.Equal(new CallEnd(CallOutcome.Completed, "playbook_finished"), end with { Media = null });
        var invites = SippTrace.Parse(sipp.Messages()).Received("INVITE").DistinctBy(i => SippTrace.Header(i, "CSeq")).ToList();
        Assert.Equal(2, invites.Count);
        Assert.Equal("1 INVITE", SippTrace.Header(invites[0], "CSeq"));
        Assert.Equal("2 INVITE", SippTrace.Header(invites[1], "CSeq"));
        Assert.NotEqual(SippTrace.Branch(invites[0]), SippTrace.Branch(invites[1]));
        Assert.Equal(SippTrace.Header(invites[0], "Call-ID"), SippTrace.Header(invites[1], "Call-ID"));
        Assert.Equal(SippTrace.Header(invites[0], "From"), SippTrace.Header(invites[1], "From"));
        Assert.Contains("qop=auth", SippTrace.Header(invites[1], "Authorization"));
    }

    [Fact]
    public async Task A_wrong_password_fails_the_call_after_two_tries()
    {
        await using var sipp = SippRun.StartUas("uas_auth_wrong.xml");
        await using var stack = await TestStacks.StartAsync(sipp.Port, o => { o.Username = "alice"; o.Password = "not-the-password"; });
        var progress = new RecordingProgress();

        await new SipTelephonyProvider(stack).StartAsync(TestStacks.Plan(), progress, CancellationToken.None);
        var end = await progress.EndAsync();

        await sipp.AssertSucceededAsync();
        Assert.Equal(CallOutcome.Failed, end.Outcome);
        Assert.Equal("auth_failed", end.EndReason);
        Assert.False(end.Retryable);
        // Three INVITEs (retransmissions of one aside): the first, then two answers to challenges.
        Assert.Equal(["1 INVITE", "2 INVITE", "3 INVITE"], SippTrace.Parse(sipp.Messages()).Received("INVITE").Select(i => SippTrace.Header(i, "CSeq")).Distinct());
    }

    [Fact]
    public async Task A_BYE_from_the_callee_is_answered_and_ends_the_call_remote_hangup()
    {
        await using var sipp = SippRun.StartUas("uas_remote_bye.xml");
        await using var stack = await TestStacks.StartAsync(sipp.Port, o => o.DigitWait = TimeSpan.FromSeconds(30));
        var progress = new RecordingProgress();

        await new SipTelephonyProvider(stack).StartAsync(TestStacks.Plan(), progress, CancellationToken.None);
        var end = await progress.EndAsync();

        await sipp.AssertSucceededAsync();
        Assert.Equal(new CallEnd(CallOutcome.Completed, "remote_hangup"), end with { Media = null });
        Assert.Equal(["ringing", "answered", "ended"], progress.Kinds);
    }

    [Fact]
    public async Task The_answer_to_a_request_asking_for_rport_names_the_source_address_and_port_in_its_via()
    {
        await using var sipp = SippRun.StartUas("uas_remote_bye_rport.xml");
        await using var stack = await TestStacks.StartAsync(sipp.Port, o => o.DigitWait = TimeSpan.FromSeconds(30));
        var progress = new RecordingProgress();

        await new SipTelephonyProvider(stack).StartAsync(TestStacks.Plan(), progress, CancellationToken.None);
        var end = await progress.EndAsync();

        // sipp fails the call unless the 200 to its BYE carries received= (the address it sent from) and rport=.
        await sipp.AssertSucceededAsync();
        Assert.Equal(new CallEnd(CallOutcome.Completed, "remote_hangup"), end with { Media = null });
    }

    [Fact]
    public async Task A_retransmitted_200_OK_gets_the_ACK_again()
    {
        await using var sipp = SippRun.StartUas("uas_retransmit_200.xml");
        await using var stack = await TestStacks.StartAsync(sipp.Port, o => o.DigitWait = TimeSpan.FromSeconds(2));
        var progress = new RecordingProgress();

        await new SipTelephonyProvider(stack).StartAsync(TestStacks.Plan(), progress, CancellationToken.None);
        var end = await progress.EndAsync();

        await sipp.AssertSucceededAsync();
        Assert.Equal(new CallEnd(CallOutcome.Completed, "playbook_finished"), end with { Media = null });
        var trace = SippTrace.Parse(sipp.Messages());
        var acks = trace.Received("ACK");
        Assert.True(acks.Count >= 2, $"{acks.Count} ACKs");
        Assert.All(acks, ack => Assert.Equal(acks[0], ack));
        Assert.NotEqual(SippTrace.Branch(trace.Received("INVITE")[0]), SippTrace.Branch(acks[0]));
    }

    [Fact]
    public async Task Key_9_sent_as_RFC_4733_events_is_reported_once_and_the_dialer_hangs_up()
    {
        await using var sipp = SippRun.StartUas("uas_dtmf9.xml", prepareFolder: folder => DtmfPcap.Write(Path.Combine(folder, "dtmf9.pcap"), eventCode: 9));
        await using var stack = await TestStacks.StartAsync(sipp.Port, o => o.DigitWait = TimeSpan.FromSeconds(30));
        var progress = new RecordingProgress();
        IProviderCall? call = null;
        progress.OnDigit = async digit =>
        {
            if (digit == '9')
            {
                await call!.HangUpAsync(HangupReason.OptedOut, CancellationToken.None);
            }
        };

        call = await new SipTelephonyProvider(stack).StartAsync(TestStacks.Plan(), progress, CancellationToken.None);
        var end = await progress.EndAsync();

        await sipp.AssertSucceededAsync();
        Assert.Equal(new CallEnd(CallOutcome.Completed, "opted_out"), end with { Media = null });
        Assert.Equal(["answered", "dtmf", "ended"], progress.Kinds);
        Assert.Equal("9", progress.Entries.Single(e => e.Kind == "dtmf").Detail);
    }
}
