using Cualify.Appliance.Dialer.Sip;
using Cualify.Appliance.Dialer.Telephony;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>The SIP stack over TCP (<c>Dialer:Sip:Transport=tcp</c>) against sipp with one TCP connection (<c>-t t1</c>).</summary>
public sealed class SippTcpTests
{
    private static Task<SipStack> TcpStackAsync(int port, Action<SipOptions>? configure = null) =>
        TestStacks.StartAsync(port, o =>
        {
            o.Transport = "tcp";
            configure?.Invoke(o);
        });

    [Fact]
    public async Task An_answered_call_goes_over_TCP_with_a_TCP_via_and_transport_tcp_uris_and_is_hung_up_with_BYE()
    {
        await using var sipp = await SippRun.StartTcpUasAsync("uas_answer_wait_bye.xml");
        await using var stack = await TcpStackAsync(sipp.Port);
        var progress = new RecordingProgress();

        var call = await new SipTelephonyProvider(stack).StartAsync(TestStacks.Plan(), progress, CancellationToken.None);
        await progress.Answered.WaitAsync(TimeSpan.FromSeconds(20));
        await call.HangUpAsync(HangupReason.MaxDurationReached, CancellationToken.None);
        var end = await progress.EndAsync();

        await sipp.AssertSucceededAsync();
        Assert.Equal(new CallEnd(CallOutcome.Completed, "max_duration_reached"), end with { Media = null });
        var trace = SippTrace.Parse(sipp.Messages());
        var invite = Assert.Single(trace.Received("INVITE"));
        Assert.StartsWith("SIP/2.0/TCP ", SippTrace.Header(invite, "Via"));
        Assert.EndsWith(";transport=tcp SIP/2.0", invite.Split('\n')[0].Trim());
        Assert.Contains(";transport=tcp>", SippTrace.Header(invite, "Contact"));
        Assert.Single(trace.Received("ACK"));
        Assert.Single(trace.Received("BYE"));
        Assert.Equal(1, stack.Transport.Streams!.Counters.Connects);
    }

    [Fact]
    public async Task A_busy_callee_over_TCP_ends_busy_and_the_486_is_acknowledged_once()
    {
        await using var sipp = await SippRun.StartTcpUasAsync("uas_busy.xml");
        await using var stack = await TcpStackAsync(sipp.Port);
        var progress = new RecordingProgress();

        await new SipTelephonyProvider(stack).StartAsync(TestStacks.Plan(), progress, CancellationToken.None);
        var end = await progress.EndAsync();

        await sipp.AssertSucceededAsync();
        Assert.Equal(CallOutcome.Busy, end.Outcome);
        Assert.Single(SippTrace.Parse(sipp.Messages()).Received("ACK"));
    }

    [Fact]
    public async Task An_unanswered_call_over_TCP_is_canceled_at_the_ring_timeout_and_nothing_is_retransmitted()
    {
        await using var sipp = await SippRun.StartTcpUasAsync("uas_no_answer.xml");
        await using var stack = await TcpStackAsync(sipp.Port);
        var progress = new RecordingProgress();

        await new SipTelephonyProvider(stack).StartAsync(TestStacks.Plan(ringTimeout: TimeSpan.FromSeconds(2)), progress, CancellationToken.None);
        var end = await progress.EndAsync();

        await sipp.AssertSucceededAsync();
        Assert.Equal(CallOutcome.NoAnswer, end.Outcome);
        var trace = SippTrace.Parse(sipp.Messages());
        Assert.Single(trace.Received("INVITE"));
        var cancel = Assert.Single(trace.Received("CANCEL"));
        Assert.Equal(SippTrace.Branch(trace.Received("INVITE")[0]), SippTrace.Branch(cancel));
        Assert.Equal(0, stack.UserAgent.Transactions.Retransmissions.RequestsSent);
    }

    [Fact]
    public async Task A_digest_challenge_over_TCP_is_answered_with_credentials_sipp_verifies()
    {
        await using var sipp = await SippRun.StartTcpUasAsync("uas_auth.xml");
        await using var stack = await TcpStackAsync(sipp.Port, o => { o.Username = "alice"; o.Password = "s3cret-pass"; });
        var progress = new RecordingProgress();

        await new SipTelephonyProvider(stack).StartAsync(TestStacks.Plan(), progress, CancellationToken.None);
        var end = await progress.EndAsync();

        await sipp.AssertSucceededAsync();
        Assert.Equal(new CallEnd(CallOutcome.Completed, "playbook_finished"), end with { Media = null });
        Assert.Equal(["1 INVITE", "2 INVITE"], SippTrace.Parse(sipp.Messages()).Received("INVITE").Select(i => SippTrace.Header(i, "CSeq")));
    }

    [Fact]
    public async Task A_BYE_from_the_callee_over_the_same_TCP_connection_is_answered_and_ends_remote_hangup()
    {
        await using var sipp = await SippRun.StartTcpUasAsync("uas_remote_bye.xml");
        await using var stack = await TcpStackAsync(sipp.Port, o => o.DigitWait = TimeSpan.FromSeconds(30));
        var progress = new RecordingProgress();

        await new SipTelephonyProvider(stack).StartAsync(TestStacks.Plan(), progress, CancellationToken.None);
        var end = await progress.EndAsync();

        await sipp.AssertSucceededAsync();
        Assert.Equal(new CallEnd(CallOutcome.Completed, "remote_hangup"), end with { Media = null });
        Assert.Equal(1, stack.Transport.Streams!.Counters.Connects);
    }

    [Fact]
    public async Task When_the_trunk_drops_the_TCP_connection_it_is_made_again_and_the_next_call_goes_through()
    {
        var port = FreePorts.Tcp();
        var first = await SippRun.StartTcpUasAsync("uas_busy.xml", port);
        await using var stack = await TcpStackAsync(port);
        var provider = new SipTelephonyProvider(stack);
        var firstProgress = new RecordingProgress();
        await provider.StartAsync(TestStacks.Plan(), firstProgress, CancellationToken.None);
        Assert.Equal(CallOutcome.Busy, (await firstProgress.EndAsync()).Outcome);
        await first.AssertSucceededAsync();
        await first.DisposeAsync();

        // sipp exited, so the trunk's side of the connection is gone; a new trunk process listens on the same port.
        var streams = stack.Transport.Streams!;
        await WaitAsync(() => streams.Counters.Closes >= 1, "the stack never saw the connection close");
        await using var second = await SippRun.StartTcpUasAsync("uas_busy.xml", port);
        await WaitAsync(() => streams.Counters.Connects >= 2, "the stack never reconnected");
        var secondProgress = new RecordingProgress();
        await provider.StartAsync(TestStacks.Plan(), secondProgress, CancellationToken.None);

        Assert.Equal(CallOutcome.Busy, (await secondProgress.EndAsync()).Outcome);
        await second.AssertSucceededAsync();
    }

    [Fact]
    public async Task Over_UDP_an_INVITE_over_1300_bytes_moves_to_TCP_when_the_trunk_takes_TCP_connections()
    {
        await using var sipp = await SippRun.StartTcpUasAsync("uas_busy.xml");
        await using var stack = await TestStacks.StartAsync(sipp.Port, o => o.UserAgent = LargeUserAgent);
        var progress = new RecordingProgress();

        await new SipTelephonyProvider(stack).StartAsync(TestStacks.Plan(), progress, CancellationToken.None);
        var end = await progress.EndAsync();

        await sipp.AssertSucceededAsync();
        Assert.Equal(CallOutcome.Busy, end.Outcome);
        var trace = SippTrace.Parse(sipp.Messages());
        Assert.StartsWith("SIP/2.0/TCP ", SippTrace.Header(Assert.Single(trace.Received("INVITE")), "Via"));
        Assert.StartsWith("SIP/2.0/TCP ", SippTrace.Header(Assert.Single(trace.Received("ACK")), "Via"));
        Assert.Equal("UDP", stack.Transport.Protocol);
    }

    [Fact]
    public async Task Over_UDP_a_large_INVITE_stays_on_UDP_when_the_trunk_refuses_TCP()
    {
        await using var sipp = SippRun.StartUas("uas_busy.xml");
        await using var stack = await TestStacks.StartAsync(sipp.Port, o => o.UserAgent = LargeUserAgent);
        var progress = new RecordingProgress();

        await new SipTelephonyProvider(stack).StartAsync(TestStacks.Plan(), progress, CancellationToken.None);
        var end = await progress.EndAsync();

        await sipp.AssertSucceededAsync();
        Assert.Equal(CallOutcome.Busy, end.Outcome);
        var invite = SippTrace.Parse(sipp.Messages()).Received("INVITE")[0];
        Assert.True(invite.Length > 1300, $"the INVITE is only {invite.Length} bytes");
        Assert.StartsWith("SIP/2.0/UDP ", SippTrace.Header(invite, "Via"));
    }

    [Fact]
    public async Task A_connection_the_peer_opens_to_our_port_is_accepted_and_its_request_answered_on_it()
    {
        await using var stack = await TcpStackAsync(FreePorts.Tcp(), o => o.LocalPort = FreePorts.Tcp());
        var listening = stack.Transport.Streams!.ListeningOn!;
        using var peer = new System.Net.Sockets.TcpClient();
        await peer.ConnectAsync(listening);
        var stream = peer.GetStream();
        var local = (System.Net.IPEndPoint)peer.Client.LocalEndPoint!;
        await stream.WriteAsync(StreamPeer.Options("TCP", "sip", listening.Port, local.Port, "z9hG4bKpeer1", "peer-options-1"));
        var text = await StreamPeer.ReadHeadAsync(stream);

        Assert.StartsWith("SIP/2.0 200 OK", text);
        Assert.Contains("branch=z9hG4bKpeer1", text);
        Assert.Equal(1, stack.Transport.Streams.Counters.Accepted);
    }

    /// <summary>Makes the INVITE larger than the 1,300 bytes RFC 3261 §18.1.1 allows over UDP.</summary>
    private static readonly string LargeUserAgent = "Cualify-Appliance/" + new string('x', 1000);

    private static async Task WaitAsync(Func<bool> condition, string failure)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(50);
        }
    }
}
