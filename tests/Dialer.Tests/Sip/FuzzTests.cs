using System.Net;
using System.Net.Sockets;
using Cualify.Appliance.Dialer.Sip;
using Cualify.Appliance.Dialer.Telephony;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>Hostile input never escapes the receive path, and the stack still serves calls afterwards.</summary>
public sealed class FuzzTests
{
    [Fact]
    public async Task Thirty_thousand_random_and_mutated_datagrams_are_dropped_or_handled_and_a_call_still_works()
    {
        await using var peer = await InMemoryPeer.StartAsync();
        var stack = peer.Stack;
        var fuzzer = new SipFuzzer(seed: 20301);
        var from = new IPEndPoint(IPAddress.Parse("192.0.2.50"), 5060);

        for (var i = 0; i < 30_000; i++)
        {
            stack.Transport.Receive(fuzzer.Next(), from, stack.UserAgent.Transactions);
        }

        var counters = stack.Transport.Counters;
        Assert.Equal(30_000, counters.Received);
        Assert.True(counters.Malformed > 10_000, $"only {counters.Malformed} were malformed");
        Assert.Equal(0, counters.HandlerFailures);

        // The same stack then places and finishes a call.
        peer.Drain();
        var progress = new RecordingProgress();
        var call = await new SipTelephonyProvider(stack).StartAsync(TestStacks.Plan(), progress, CancellationToken.None);
        var invite = await peer.ExpectAsync("INVITE");
        peer.Answer(invite, 200, "OK");
        await peer.ExpectAsync("ACK");
        await call.HangUpAsync(HangupReason.MaxDurationReached, CancellationToken.None);
        var bye = await peer.ExpectAsync("BYE");
        peer.Answer(bye, 200, "OK");
        Assert.Equal(new CallEnd(CallOutcome.Completed, "max_duration_reached"), (await progress.EndAsync(TimeSpan.FromSeconds(30))) with { Media = null });
    }

    [Fact]
    public void The_parser_rejects_hostile_input_by_its_checks_not_by_catching_its_own_exceptions()
    {
        var fuzzer = new SipFuzzer(seed: 99);
        var reasons = new Dictionary<string, int>();

        for (var i = 0; i < 30_000; i++)
        {
            var result = Cualify.Appliance.Dialer.Sip.Messages.SipParser.Parse(fuzzer.Next());
            if (result.Error is { } error)
            {
                reasons[error] = reasons.GetValueOrDefault(error) + 1;
            }
        }

        Assert.DoesNotContain(reasons.Keys, reason => reason.StartsWith("unparseable", StringComparison.Ordinal));
        Assert.True(reasons.Count > 10, string.Join(", ", reasons.Keys));
    }

    [Fact]
    public async Task Datagrams_thrown_at_the_UDP_port_do_not_stop_real_calls()
    {
        await using var sipp = SippRun.StartUas("uas_answer_wait_bye.xml");
        await using var stack = await TestStacks.StartAsync(sipp.Port);
        using var attacker = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        attacker.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var target = stack.Transport.LocalEndPoint;
        var fuzzer = new SipFuzzer(seed: 7);
        const int count = 10_000;

        var counters = stack.Transport.Counters;
        for (var i = 0; i < count; i++)
        {
            attacker.SendTo(fuzzer.Next(), target);
            // Stay at most 500 ahead of the receive loop, so a busy machine does not overflow the socket buffer.
            for (var wait = 0; i - counters.Received > 500 && wait < 200; wait++)
            {
                await Task.Delay(5);
            }
        }

        for (var wait = 0; wait < 200 && counters.Received < count; wait++)
        {
            await Task.Delay(50);
        }

        Assert.True(counters.Received >= count * 0.99, $"{counters.Received} of {count} datagrams arrived");
        Assert.True(counters.Malformed > 0);
        Assert.Equal(0, counters.HandlerFailures);

        var progress = new RecordingProgress();
        var call = await new SipTelephonyProvider(stack).StartAsync(TestStacks.Plan(), progress, CancellationToken.None);
        await progress.Answered.WaitAsync(TimeSpan.FromSeconds(20));
        await call.HangUpAsync(HangupReason.MaxDurationReached, CancellationToken.None);
        Assert.Equal(new CallEnd(CallOutcome.Completed, "max_duration_reached"), (await progress.EndAsync()) with { Media = null });
        await sipp.AssertSucceededAsync();
    }
}
