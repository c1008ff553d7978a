using Cualify.Appliance.Dialer.Sip;
using Cualify.Appliance.Dialer.Telephony;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>The provider against a real peer: sipp playing our UAS scenarios on loopback.</summary>
public sealed class SippCallTests
{
    [Fact]
    public async Task An_answered_call_is_hung_up_with_BYE_when_the_dialer_says_max_duration()
    {
        await using var sipp = SippRun.StartUas("uas_answer_wait_bye.xml");
        await using var stack = await TestStacks.StartAsync(sipp.Port);
        var provider = new SipTelephonyProvider(stack);
        var progress = new RecordingProgress();
        var maxDuration = TimeSpan.FromSeconds(2);
        using var folder = new TempDirectory("prompt");

        var call = await provider.StartAsync(TestStacks.Plan(TestStacks.WritePrompt(folder.Path, seconds: 10)), progress, CancellationToken.None);
        await progress.Answered.WaitAsync(TimeSpan.FromSeconds(20));
        await Task.Delay(maxDuration);
        await call.HangUpAsync(HangupReason.MaxDurationReached, CancellationToken.None);
        var end = await progress.EndAsync();

        await sipp.AssertSucceededAsync();
        Assert.Equal(new CallEnd(CallOutcome.Completed, "max_duration_reached"), end with { Media = null });
        Assert.Equal(["ringing", "answered", "ended"], progress.Kinds);
        Assert.Equal(1, progress.EndCount);
    }

    [Fact]
    public async Task A_busy_callee_ends_the_call_busy_and_the_486_is_acknowledged()
    {
        await using var sipp = SippRun.StartUas("uas_busy.xml");
        await using var stack = await TestStacks.StartAsync(sipp.Port);
        var progress = new RecordingProgress();

        await new SipTelephonyProvider(stack).StartAsync(TestStacks.Plan(), progress, CancellationToken.None);
        var end = await progress.EndAsync();

        await sipp.AssertSucceededAsync();
        Assert.Equal(CallOutcome.Busy, end.Outcome);
        Assert.Equal("busy", end.EndReason);
        Assert.Equal(["ended"], progress.Kinds);
    }

    [Fact]
    public async Task Ringing_then_480_ends_no_answer()
    {
        await using var sipp = SippRun.StartUas("uas_ring_480.xml");
        await using var stack = await TestStacks.StartAsync(sipp.Port);
        var progress = new RecordingProgress();

        await new SipTelephonyProvider(stack).StartAsync(TestStacks.Plan(), progress, CancellationToken.None);
        var end = await progress.EndAsync();

        await sipp.AssertSucceededAsync();
        Assert.Equal(new CallEnd(CallOutcome.NoAnswer, "no_answer", Detail: "SIP 480 Temporarily Unavailable"), end with { Media = null });
        Assert.Equal(["ringing", "ended"], progress.Kinds);
    }

    [Fact]
    public async Task An_unanswered_call_is_canceled_on_the_INVITE_branch_at_the_ring_timeout()
    {
        await using var sipp = SippRun.StartUas("uas_no_answer.xml");
        await using var stack = await TestStacks.StartAsync(sipp.Port);
        var progress = new RecordingProgress();

        await new SipTelephonyProvider(stack).StartAsync(TestStacks.Plan(ringTimeout: TimeSpan.FromSeconds(2)), progress, CancellationToken.None);
        var end = await progress.EndAsync();

        await sipp.AssertSucceededAsync();
        Assert.Equal(CallOutcome.NoAnswer, end.Outcome);
        Assert.Equal("no_answer", end.EndReason);
        Assert.Equal(["ringing", "ended"], progress.Kinds);
        var trace = SippTrace.Parse(sipp.Messages());
        var branch = SippTrace.Branch(trace.Received("INVITE")[0]);
        Assert.NotEmpty(trace.Received("CANCEL"));
        Assert.All(trace.Received("CANCEL"), cancel => Assert.Equal(branch, SippTrace.Branch(cancel)));
    }
}
