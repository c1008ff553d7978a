using Cualify.Appliance.Dialer.Sip;
using Cualify.Appliance.Dialer.Sip.Auth;
using Cualify.Appliance.Dialer.Sip.Messages;
using Cualify.Appliance.Dialer.Sip.Transactions;
using Cualify.Appliance.Dialer.Telephony;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>The UAC call flow message by message against a scripted peer, on fake time.</summary>
public sealed class CallFlowTests
{
    private static async Task<(InMemoryPeer Peer, IProviderCall Call, RecordingProgress Progress, SipRequest Invite)> DialAsync(
        Action<SipOptions>? configure = null, TimeSpan? ringTimeout = null)
    {
        var peer = await InMemoryPeer.StartAsync(configure);
        var progress = new RecordingProgress();
        var call = await new SipTelephonyProvider(peer.Stack).StartAsync(TestStacks.Plan(ringTimeout: ringTimeout), progress, CancellationToken.None);
        var invite = await peer.ExpectAsync("INVITE");
        return (peer, call, progress, invite);
    }

    private static async Task<SipRequest> AnswerAsync(InMemoryPeer peer, SipRequest invite, RecordingProgress progress, Action<SipResponse>? edit = null)
    {
        peer.Answer(invite, 200, "OK", edit: edit);
        var ack = await peer.ExpectAsync("ACK");
        await progress.Answered.WaitAsync(TimeSpan.FromSeconds(5));
        return ack;
    }

    [Fact]
    public async Task The_INVITE_carries_the_caller_id_the_offer_and_a_fresh_branch()
    {
        var (peer, _, _, invite) = await DialAsync();
        await using var _ = peer;

        Assert.Equal($"sip:+919812345678@127.0.0.1:{peer.EndPoint.Port}", invite.RequestUri);
        Assert.StartsWith("z9hG4bK", invite.TopVia!.Branch);
        Assert.True(invite.TopVia.Parameters.Contains("rport"));
        Assert.Equal("sip:+918000000001@cualify.test", invite.From!.Uri);
        Assert.Equal("<sip:+918000000001@cualify.test>", invite.Headers["P-Asserted-Identity"]);
        Assert.Null(invite.To!.Tag);
        Assert.Equal(new CSeq(1, "INVITE"), invite.CSeq);
        Assert.Equal("application/sdp", invite.ContentType);
        Assert.Contains("m=audio", invite.BodyText);
        Assert.Contains("a=rtpmap:101 telephone-event/8000", invite.BodyText);
    }

    [Fact]
    public async Task With_an_outbound_proxy_every_request_goes_through_it_with_a_loose_route()
    {
        var proxyPort = 0;
        var (peer, call, progress, invite) = await DialAsync(o =>
        {
            proxyPort = int.Parse(o.Trunk.Split(':')[1]);
            o.OutboundProxy = o.Trunk;
            o.Trunk = "trunk.example.net:5080";
        });
        await using var _ = peer;

        Assert.Equal("sip:+919812345678@trunk.example.net:5080", invite.RequestUri);
        Assert.Equal($"<sip:127.0.0.1:{proxyPort};lr>", invite.Headers["Route"]);
        var ack = await AnswerAsync(peer, invite, progress, r => r.Headers.Set("Contact", "<sip:uas@10.1.1.1:5070>"));
        Assert.Equal("sip:uas@10.1.1.1:5070", ack.RequestUri);
        await call.HangUpAsync(HangupReason.MaxDurationReached, CancellationToken.None);
        var bye = await peer.ExpectAsync("BYE");
        peer.Answer(bye, 200, "OK");
        Assert.Equal("max_duration_reached", (await progress.EndAsync(TimeSpan.FromSeconds(30))).EndReason);
    }

    [Fact]
    public async Task No_CANCEL_goes_out_before_a_provisional_then_it_goes_on_the_INVITE_branch()
    {
        var (peer, _, progress, invite) = await DialAsync(ringTimeout: TimeSpan.FromSeconds(15));
        await using var _ = peer;

        peer.Time.Advance(TimeSpan.FromSeconds(20));
        Assert.All(peer.Drain(), m => Assert.Equal("INVITE", Assert.IsType<SipRequest>(m).Method));

        peer.Answer(invite, 180, "Ringing");
        var cancel = await peer.ExpectAsync("CANCEL");
        Assert.Equal(invite.TopVia!.Branch, cancel.TopVia!.Branch);
        Assert.Equal(invite.RequestUri, cancel.RequestUri);
        Assert.Equal(new CSeq(invite.CSeq.Number, "CANCEL"), cancel.CSeq);
        Assert.Equal(invite.Headers["From"], cancel.Headers["From"]);
        Assert.Equal(invite.Headers["To"], cancel.Headers["To"]);

        peer.Answer(cancel, 200, "OK");
        peer.Answer(invite, 487, "Request Terminated");
        var ack = await peer.ExpectAsync("ACK");
        Assert.Equal(invite.TopVia.Branch, ack.TopVia!.Branch);
        var end = await progress.EndAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((CallOutcome.NoAnswer, "no_answer"), (end.Outcome, end.EndReason));
    }

    [Fact]
    public async Task The_ring_timeout_sends_CANCEL_when_it_runs_out_and_not_a_moment_before()
    {
        var (peer, _, progress, invite) = await DialAsync(ringTimeout: TimeSpan.FromSeconds(15));
        await using var _ = peer;
        peer.Answer(invite, 180, "Ringing");
        await progress.Ringing.WaitAsync(TimeSpan.FromSeconds(5));

        // The timer runs from the INVITE, on the stack's clock: a millisecond short of 15 s nothing goes out.
        peer.Time.Advance(TimeSpan.FromSeconds(15) - TimeSpan.FromMilliseconds(1));
        await Assert.ThrowsAsync<TimeoutException>(() => peer.NextAsync(within: TimeSpan.FromMilliseconds(300)));

        peer.Time.Advance(TimeSpan.FromMilliseconds(1));
        var cancel = await peer.ExpectAsync("CANCEL");
        Assert.Equal(invite.TopVia!.Branch, cancel.TopVia!.Branch);
        peer.Answer(cancel, 200, "OK");
        peer.Answer(invite, 487, "Request Terminated");
        await peer.ExpectAsync("ACK");
        var end = await progress.EndAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((CallOutcome.NoAnswer, "no_answer", "ring timeout"), (end.Outcome, end.EndReason, end.Detail));
    }

    [Fact]
    public async Task A_2xx_that_crosses_the_CANCEL_is_ACKed_then_hung_up_with_BYE()
    {
        var (peer, call, progress, invite) = await DialAsync();
        await using var _ = peer;
        peer.Answer(invite, 180, "Ringing");
        await progress.Ringing.WaitAsync(TimeSpan.FromSeconds(5));

        await call.HangUpAsync(HangupReason.Canceled, CancellationToken.None);
        var cancel = await peer.ExpectAsync("CANCEL");
        peer.Answer(invite, 200, "OK");
        peer.Answer(cancel, 481, "Call/Transaction Does Not Exist");

        var ack = await peer.ExpectAsync("ACK");
        var bye = await peer.ExpectAsync("BYE");
        Assert.NotEqual(invite.TopVia!.Branch, ack.TopVia!.Branch);
        Assert.Equal($"sip:uas@127.0.0.1:{peer.EndPoint.Port}", ack.RequestUri);
        Assert.Equal("peer-tag", bye.To!.Tag);
        Assert.Equal(new CSeq(2, "BYE"), bye.CSeq);
        peer.Answer(bye, 200, "OK");
        var end = await progress.EndAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((CallOutcome.Canceled, "canceled"), (end.Outcome, end.EndReason));
        Assert.DoesNotContain("answered", progress.Kinds);
    }

    [Fact]
    public async Task A_hang_up_asked_for_the_moment_the_ACK_leaves_ends_the_call_as_answered_not_canceled()
    {
        var (peer, call, progress, invite) = await DialAsync();
        await using var _ = peer;
        // The network hook runs on the stack's receive thread as the ACK is sent, so the hang-up is queued at the
        // earliest moment anyone outside the stack can know the call was answered.
        peer.Network.Drop = (datagram, _, _) =>
        {
            if (datagram.Span.StartsWith("ACK "u8))
            {
                call.HangUpAsync(HangupReason.MaxDurationReached, CancellationToken.None);
            }

            return false;
        };

        peer.Answer(invite, 200, "OK");
        await peer.ExpectAsync("ACK");
        var bye = await peer.ExpectAsync("BYE");
        peer.Answer(bye, 200, "OK");

        var end = await progress.EndAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((CallOutcome.Completed, "max_duration_reached"), (end.Outcome, end.EndReason));
        Assert.Contains("answered", progress.Kinds);
    }

    [Fact]
    public async Task A_2xx_retransmitted_after_the_call_finished_is_ACKed_again_and_the_finished_call_can_be_collected()
    {
        var peer = await InMemoryPeer.StartAsync();
        await using var _ = peer;
        var (finished, answer) = await AnswerAndHangUpAsync(peer);

        peer.Send(answer);
        var ack = await peer.ExpectAsync("ACK");

        Assert.Equal(answer.CSeq.Number, ack.CSeq.Number);
        Assert.Equal("peer-tag", ack.To!.Tag);
        // The INVITE stays Accepted for 64×T1 (as an entry of the accepted table, which just ACKed that 2xx) and the
        // BYE's transaction waits out timer K, but neither holds the call any more. The media clock lets go of the
        // call's stopped player on a tick of its own, which runs on the thread pool after the fake clock moves: collect
        // until then.
        Assert.Equal((1, 1), (peer.Stack.UserAgent.Transactions.ClientTransactionCount, peer.Stack.UserAgent.Transactions.AcceptedInviteCount));
        for (var round = 0; round < 200 && finished.IsAlive; round++)
        {
            peer.Time.Advance(TimeSpan.FromMilliseconds(20));
            await Task.Delay(50);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }

        Assert.False(finished.IsAlive, "the finished call is still referenced");
    }

    [Fact]
    public async Task A_hung_up_call_gives_its_RTP_and_RTCP_ports_back_when_its_BYE_leaves_without_waiting_for_the_answer()
    {
        var peer = await InMemoryPeer.StartAsync();
        await using var _ = peer;
        var progress = new RecordingProgress();
        var call = (Cualify.Appliance.Dialer.Sip.UserAgent.SipCall)await new SipTelephonyProvider(peer.Stack).StartAsync(TestStacks.Plan(), progress, CancellationToken.None);
        var invite = await peer.ExpectAsync("INVITE");
        peer.Answer(invite, 200, "OK");
        await peer.ExpectAsync("ACK");
        await progress.Answered.WaitAsync(TimeSpan.FromSeconds(30));
        var ports = peer.Stack.UserAgent.Media.Ports;
        var rtpPort = call.LocalRtpPort!.Value;
        Assert.Equal(1, ports.InUse);

        await call.HangUpAsync(HangupReason.MaxDurationReached, CancellationToken.None);
        await peer.ExpectAsync("BYE");
        await progress.EndAsync(TimeSpan.FromSeconds(30));

        // The BYE is still unanswered (its transaction runs until timer F), yet both ports are free again.
        Assert.Equal(0, ports.InUse);
        using var rtcp = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        rtcp.Bind(new System.Net.IPEndPoint(ports.BindAddress, rtpPort + 1));
    }

    [Fact]
    public async Task Once_timer_M_has_run_out_a_finished_calls_2xx_is_no_longer_ACKed()
    {
        var peer = await InMemoryPeer.StartAsync();
        await using var _ = peer;
        var (_, answer) = await AnswerAndHangUpAsync(peer);
        peer.Send(answer);
        await peer.ExpectAsync("ACK");

        peer.Time.Advance(SipTimers.Default.Timeout + TimeSpan.FromSeconds(1));
        peer.Send(answer);
        // Something the stack surely answers, after the 2xx: what comes back first shows whether the 2xx was ACKed.
        var options = new SipRequest("OPTIONS", $"sip:127.0.0.1:{peer.StackEndPoint.Port}");
        options.Headers.Add("Via", $"SIP/2.0/UDP 127.0.0.1:{peer.EndPoint.Port};branch=z9hG4bKafter-m");
        options.Headers.Add("From", "<sip:x@y>;tag=1");
        options.Headers.Add("To", "<sip:cualify@z>");
        options.Headers.Add("Call-ID", "after-timer-m");
        options.Headers.Add("CSeq", "1 OPTIONS");
        peer.Send(options);

        var next = Assert.IsType<SipResponse>(await peer.NextAsync());
        Assert.Equal((200, "OPTIONS"), (next.StatusCode, next.CSeq.Method));
        Assert.Equal(0, peer.Stack.UserAgent.Transactions.AcceptedInviteCount);
    }

    /// <summary>A call answered, hung up and finished; only a weak reference to it leaves this method.</summary>
    private static async Task<(WeakReference Call, SipResponse Answer)> AnswerAndHangUpAsync(InMemoryPeer peer)
    {
        var progress = new RecordingProgress();
        var call = (Cualify.Appliance.Dialer.Sip.UserAgent.SipCall)await new SipTelephonyProvider(peer.Stack).StartAsync(TestStacks.Plan(), progress, CancellationToken.None);
        var invite = await peer.ExpectAsync("INVITE");
        var answer = peer.Answer(invite, 200, "OK");
        await peer.ExpectAsync("ACK");
        await progress.Answered.WaitAsync(TimeSpan.FromSeconds(30));
        await call.HangUpAsync(HangupReason.MaxDurationReached, CancellationToken.None);
        var bye = await peer.ExpectAsync("BYE");
        peer.Answer(bye, 200, "OK");
        await call.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        return (new WeakReference(call), answer);
    }

    [Fact]
    public async Task ACK_and_BYE_follow_the_record_route_set_in_reverse_with_loose_routing()
    {
        var (peer, call, progress, invite) = await DialAsync();
        await using var _ = peer;
        var self = $"<sip:127.0.0.1:{peer.EndPoint.Port};lr>";

        var ack = await AnswerAsync(peer, invite, progress, r =>
        {
            r.Headers.Set("Contact", "<sip:uas@10.1.1.1:5070>");
            r.Headers.Add("Record-Route", "<sip:10.9.9.9;lr>");
            r.Headers.Add("Record-Route", self);
        });
        await call.HangUpAsync(HangupReason.MaxDurationReached, CancellationToken.None);
        var bye = await peer.ExpectAsync("BYE");

        foreach (var request in new[] { ack, bye })
        {
            Assert.Equal("sip:uas@10.1.1.1:5070", request.RequestUri);
            Assert.Equal([self, "<sip:10.9.9.9;lr>"], request.Headers.GetAll("Route"));
        }

        peer.Answer(bye, 200, "OK");
        Assert.Equal("max_duration_reached", (await progress.EndAsync(TimeSpan.FromSeconds(30))).EndReason);
    }

    [Fact]
    public async Task A_strict_router_gets_the_Request_URI_and_the_remote_target_goes_last_in_Route()
    {
        var (peer, _, progress, invite) = await DialAsync();
        await using var _ = peer;

        var ack = await AnswerAsync(peer, invite, progress, r =>
        {
            r.Headers.Set("Contact", "<sip:uas@10.1.1.1:5070>");
            r.Headers.Add("Record-Route", $"<sip:127.0.0.1:{peer.EndPoint.Port}>");
        });

        Assert.Equal($"sip:127.0.0.1:{peer.EndPoint.Port}", ack.RequestUri);
        Assert.Equal(["<sip:uas@10.1.1.1:5070>"], ack.Headers.GetAll("Route"));
    }

    [Theory]
    [InlineData(401, "WWW-Authenticate", "Authorization")]
    [InlineData(407, "Proxy-Authenticate", "Proxy-Authorization")]
    public async Task A_challenge_offering_SHA_256_and_MD5_is_answered_with_SHA_256_CSeq_plus_one_and_a_new_branch(int status, string challengeHeader, string answerHeader)
    {
        var (peer, _, _, invite) = await DialAsync(o => { o.Username = "alice"; o.Password = "wonderland"; });
        await using var _ = peer;

        peer.Answer(invite, status, "Authenticate", edit: r =>
        {
            r.Headers.Add(challengeHeader, "Digest realm=\"cualify.test\", nonce=\"abc123\", qop=\"auth\", algorithm=MD5");
            r.Headers.Add(challengeHeader, "Digest realm=\"cualify.test\", nonce=\"abc123\", qop=\"auth\", algorithm=SHA-256");
        });
        Assert.Equal(invite.TopVia!.Branch, (await peer.ExpectAsync("ACK")).TopVia!.Branch);
        var retry = await peer.ExpectAsync("INVITE");

        Assert.Equal(new CSeq(2, "INVITE"), retry.CSeq);
        Assert.NotEqual(invite.TopVia.Branch, retry.TopVia!.Branch);
        Assert.Equal(invite.CallId, retry.CallId);
        Assert.Equal(invite.From!.Tag, retry.From!.Tag);
        var fields = DigestFields(retry.Headers[answerHeader]!);
        Assert.Equal("SHA-256", fields["algorithm"]);
        var expected = DigestAuthorization.Response("SHA-256", "alice", "cualify.test", "wonderland", "abc123", "INVITE", invite.RequestUri, "auth", fields["cnonce"], fields["nc"]);
        Assert.Equal(expected, fields["response"]);
        Assert.Equal(invite.RequestUri, fields["uri"]);
    }

    [Fact]
    public async Task No_answer_at_all_ends_as_a_retryable_trunk_error_after_64_T1()
    {
        var (peer, _, progress, _) = await DialAsync();
        await using var _ = peer;

        for (var step = 0; step < 320; step++)
        {
            peer.Time.Advance(TimeSpan.FromMilliseconds(100));
        }

        // The stack arms its timers just after the INVITE leaves, on its own thread: on a loaded machine the clock can
        // be moved on before they are, so go on a little past 64·T1 (before the next retransmission, at 63.5 s) until it ends.
        for (var step = 0; step < 100 && !progress.Ended.IsCompleted; step++)
        {
            await Task.Delay(10);
            peer.Time.Advance(TimeSpan.FromMilliseconds(100));
        }

        var end = await progress.EndAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((CallOutcome.Failed, "trunk_error", true), (end.Outcome, end.EndReason, end.Retryable));
        // The exact T1-doubling schedule is the transaction tests' business; here the INVITE was retried, then given up.
        Assert.InRange(peer.Drain().Count(m => m is SipRequest { Method: "INVITE" }), 3, 6);
    }

    [Theory]
    [InlineData(486, CallOutcome.Busy, "busy", false)]
    [InlineData(600, CallOutcome.Busy, "busy", false)]
    [InlineData(480, CallOutcome.NoAnswer, "no_answer", false)]
    [InlineData(408, CallOutcome.NoAnswer, "no_answer", false)]
    [InlineData(487, CallOutcome.NoAnswer, "no_answer", false)]
    [InlineData(404, CallOutcome.Failed, "invalid_number", false)]
    [InlineData(484, CallOutcome.Failed, "invalid_number", false)]
    [InlineData(410, CallOutcome.Failed, "invalid_number", false)]
    [InlineData(604, CallOutcome.Failed, "invalid_number", false)]
    [InlineData(403, CallOutcome.Failed, "rejected", false)]
    [InlineData(603, CallOutcome.Failed, "rejected", false)]
    [InlineData(488, CallOutcome.Failed, "no_common_codec", false)]
    [InlineData(500, CallOutcome.Failed, "trunk_error", true)]
    [InlineData(503, CallOutcome.Failed, "trunk_error", true)]
    public async Task Final_responses_map_to_the_outcomes_of_the_spec(int status, CallOutcome outcome, string reason, bool retryable)
    {
        var (peer, _, progress, invite) = await DialAsync();
        await using var _ = peer;

        peer.Answer(invite, status, "Final");
        var end = await progress.EndAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((outcome, reason, retryable), (end.Outcome, end.EndReason, end.Retryable));
        Assert.Equal($"SIP {status} Final", end.Detail);
        await peer.ExpectAsync("ACK");
    }

    [Fact]
    public async Task A_BYE_from_the_peer_is_answered_and_its_retransmission_gets_the_same_answer()
    {
        var (peer, _, progress, invite) = await DialAsync();
        await using var _ = peer;
        await AnswerAsync(peer, invite, progress);

        var bye = peer.InDialog(invite, "BYE", 10);
        peer.Send(bye);
        var ok = await peer.ExpectResponseAsync(200);
        peer.Send(bye);

        Assert.Equal("peer-tag", ok.From!.Tag);
        Assert.Equal(ok.ToString(), (await peer.ExpectResponseAsync(200)).ToString());
        Assert.Equal(new CallEnd(CallOutcome.Completed, "remote_hangup"), (await progress.EndAsync(TimeSpan.FromSeconds(30))) with { Media = null });
    }

    [Fact]
    public async Task Requests_for_unknown_dialogs_get_481_and_OPTIONS_outside_a_dialog_gets_200()
    {
        await using var peer = await InMemoryPeer.StartAsync();
        var stray = new SipRequest("BYE", $"sip:cualify@127.0.0.1:{peer.StackEndPoint.Port}");
        stray.Headers.Add("Via", $"SIP/2.0/UDP 127.0.0.1:{peer.EndPoint.Port};branch=z9hG4bKstray");
        stray.Headers.Add("From", "<sip:x@y>;tag=1");
        stray.Headers.Add("To", "<sip:cualify@z>;tag=2");
        stray.Headers.Add("Call-ID", "nobody-knows");
        stray.Headers.Add("CSeq", "1 BYE");
        peer.Send(stray);
        await peer.ExpectResponseAsync(481);

        var options = new SipRequest("OPTIONS", $"sip:127.0.0.1:{peer.StackEndPoint.Port}");
        foreach (var header in stray.Headers.Where(h => h.Name != "CSeq" && h.Name != "To" && h.Name != "Via"))
        {
            options.Headers.Add(header.Name, header.Value);
        }

        options.Headers.Add("Via", $"SIP/2.0/UDP 127.0.0.1:{peer.EndPoint.Port};branch=z9hG4bKopt");
        options.Headers.Add("To", "<sip:cualify@z>");
        options.Headers.Add("CSeq", "1 OPTIONS");
        peer.Send(options);
        var ok = await peer.ExpectResponseAsync(200);
        Assert.Contains("INVITE", ok.Headers["Allow"]);
    }

    [Fact]
    public async Task A_re_INVITE_is_answered_with_our_SDP_and_the_call_goes_on()
    {
        var (peer, call, progress, invite) = await DialAsync();
        await using var _ = peer;
        await AnswerAsync(peer, invite, progress);

        var reinvite = peer.InDialog(invite, "INVITE", 11);
        reinvite.SetBody("application/sdp", InMemoryPeer.AnswerSdp.Replace("a=rtpmap:101", "a=sendonly\r\na=rtpmap:101"));
        peer.Send(reinvite);
        var ok = await peer.ExpectResponseAsync(200);

        Assert.Contains("a=recvonly", ok.BodyText);
        Assert.Contains("m=audio", ok.BodyText);
        await call.HangUpAsync(HangupReason.OptedOut, CancellationToken.None);
        var bye = await peer.ExpectAsync("BYE");
        peer.Answer(bye, 200, "OK");
        Assert.Equal("opted_out", (await progress.EndAsync(TimeSpan.FromSeconds(30))).EndReason);
    }

    [Fact]
    public async Task A_transfer_sends_REFER_to_the_target_and_ends_handoff_when_the_NOTIFY_says_200()
    {
        var (peer, call, progress, invite) = await DialAsync();
        await using var _ = peer;
        await AnswerAsync(peer, invite, progress);

        await call.TransferAsync("+918000000099", CancellationToken.None);
        var refer = await peer.ExpectAsync("REFER");
        Assert.Equal($"<sip:+918000000099@127.0.0.1:{peer.EndPoint.Port}>", refer.Headers["Refer-To"]);
        Assert.Equal(new CSeq(2, "REFER"), refer.CSeq);
        peer.Answer(refer, 202, "Accepted");

        var notify = peer.InDialog(invite, "NOTIFY", 12);
        notify.Headers.Add("Event", "refer");
        notify.Headers.Add("Subscription-State", "terminated;reason=noresource");
        notify.SetBody("message/sipfrag;version=2.0", "SIP/2.0 200 OK\r\n");
        peer.Send(notify);
        await peer.ExpectResponseAsync(200);
        var bye = await peer.ExpectAsync("BYE");
        peer.Answer(bye, 200, "OK");

        Assert.Equal(new CallEnd(CallOutcome.Completed, "handoff"), (await progress.EndAsync(TimeSpan.FromSeconds(30))) with { Media = null });
    }

    [Fact]
    public async Task A_refused_REFER_ends_handoff_failed_with_a_timeline_entry()
    {
        var (peer, call, progress, invite) = await DialAsync();
        await using var _ = peer;
        await AnswerAsync(peer, invite, progress);

        await call.TransferAsync("sip:desk@pbx.example", CancellationToken.None);
        var refer = await peer.ExpectAsync("REFER");
        Assert.Equal("<sip:desk@pbx.example>", refer.Headers["Refer-To"]);
        peer.Answer(refer, 603, "Declined");
        var bye = await peer.ExpectAsync("BYE");
        peer.Answer(bye, 200, "OK");

        var end = await progress.EndAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((CallOutcome.Completed, "handoff_failed"), (end.Outcome, end.EndReason));
        Assert.Contains("handoff_failed", progress.Kinds);
    }

    [Fact]
    public async Task A_2xx_without_a_common_codec_is_ACKed_then_hung_up_no_common_codec()
    {
        var (peer, _, progress, invite) = await DialAsync();
        await using var _ = peer;

        peer.Answer(invite, 200, "OK", sdp: InMemoryPeer.AnswerSdp.Replace("RTP/AVP 0 101", "RTP/AVP 18").Replace("a=rtpmap:0 PCMU/8000", "a=rtpmap:18 G729/8000"));
        await peer.ExpectAsync("ACK");
        var bye = await peer.ExpectAsync("BYE");
        peer.Answer(bye, 200, "OK");

        var end = await progress.EndAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((CallOutcome.Failed, "no_common_codec"), (end.Outcome, end.EndReason));
    }

    [Fact]
    public async Task When_the_playbook_is_done_and_no_key_comes_the_call_hangs_up_playbook_finished()
    {
        var (peer, _, progress, invite) = await DialAsync(o => o.DigitWait = TimeSpan.FromSeconds(5));
        await using var _ = peer;
        await AnswerAsync(peer, invite, progress);

        // No prompt: the first frame ends the playbook; the digit wait then runs on fake time.
        for (var i = 0; i < 10 && peer.Drain().Count == 0; i++)
        {
            peer.Time.Advance(TimeSpan.FromMilliseconds(20));
            await Task.Delay(20);
        }

        peer.Time.Advance(TimeSpan.FromSeconds(6));
        var bye = await peer.ExpectAsync("BYE");
        peer.Answer(bye, 200, "OK");
        Assert.Equal(new CallEnd(CallOutcome.Completed, "playbook_finished"), (await progress.EndAsync(TimeSpan.FromSeconds(30))) with { Media = null });
    }

    private static Dictionary<string, string> DigestFields(string header) =>
        header["Digest ".Length..].Split(", ")
            .Select(part => part.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv[1].Trim('"'));
}
