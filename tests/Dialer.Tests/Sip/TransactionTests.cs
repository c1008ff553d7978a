using System.Net;
using System.Text;
using Cualify.Appliance.Dialer.Sip.Messages;
using Cualify.Appliance.Dialer.Sip.Transactions;
using Cualify.Appliance.Dialer.Sip.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>The RFC 3261 §17 machines on the in-memory wire, with fake time driving timers A, B, D, E, F, K.</summary>
public sealed class TransactionTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly InMemoryNetwork _network = new();
    private readonly InMemoryDatagramChannel _peer;
    private readonly SipTransport _transport;
    private readonly SipTransactionLayer _layer;
    private readonly RecordingUser _user = new();

    public TransactionTests()
    {
        _peer = _network.Open();
        _transport = new SipTransport(_network.Open(), NullLogger.Instance);
        _layer = new SipTransactionLayer(_transport, _time, SipTimers.Default, NullLogger.Instance);
        _core = new AnsweringCore(_user);
        _layer.User = _core;
    }

    private readonly AnsweringCore _core;

    /// <summary>Steps the clock 100 ms at a time for <paramref name="seconds"/>; the seconds at which the peer received a datagram.</summary>
    private List<double> ReceiveTimes(int seconds)
    {
        var sentAt = new List<double>();
        for (var ms = 100; ms <= seconds * 1000; ms += 100)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            while (_peer.TryReceive(out _))
            {
                sentAt.Add(ms / 1000.0);
            }
        }

        return sentAt;
    }

    [Fact]
    public void An_unanswered_INVITE_is_retransmitted_at_T1_doubling_and_times_out_at_64_T1()
    {
        _layer.SendInvite(Request("INVITE"), _peer.LocalEndPoint, _user);
        Assert.Single(Drain());
        List<double> sentAt = [0, .. ReceiveTimes(32)];

        Drain();
        Assert.Equal([0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5], sentAt);
        Assert.Equal(["timeout"], _user.Events);
        Assert.Equal((6L, 0L, 0L, 0L), Retransmissions());
        Assert.Equal(0, _layer.ClientTransactionCount);
    }

    [Fact]
    public void A_provisional_response_stops_INVITE_retransmissions_and_timer_B()
    {
        var invite = Request("INVITE");
        _layer.SendInvite(invite, _peer.LocalEndPoint, _user);
        Drain();

        Answer(invite, 180, "Ringing");
        _time.Advance(TimeSpan.FromSeconds(60));

        Assert.Empty(Drain());
        Assert.Equal(["180"], _user.Events);
        Assert.Equal(1, _layer.ClientTransactionCount);
    }

    [Fact]
    public void A_failure_response_is_ACKed_on_the_same_branch_and_its_retransmissions_ACKed_again_until_timer_D()
    {
        var invite = Request("INVITE");
        _layer.SendInvite(invite, _peer.LocalEndPoint, _user);
        Drain();

        Answer(invite, 486, "Busy Here", toTag: "t1");
        Answer(invite, 486, "Busy Here", toTag: "t1");
        var acks = Drain().Select(Parse).Cast<SipRequest>().ToList();

        Assert.Equal(["486"], _user.Events);
        Assert.Equal(2, acks.Count);
        Assert.Equal((0L, 0L, 0L, 1L), Retransmissions());
        var ack = acks[0];
        Assert.Equal("ACK", ack.Method);
        Assert.Equal(invite.RequestUri, ack.RequestUri);
        Assert.Equal(invite.TopVia!.Branch, ack.TopVia!.Branch);
        Assert.Equal(new CSeq(invite.CSeq.Number, "ACK"), ack.CSeq);
        Assert.Equal("t1", ack.To!.Tag);

        _time.Advance(TimeSpan.FromSeconds(32));
        Assert.Equal(0, _layer.ClientTransactionCount);
        Answer(invite, 486, "Busy Here", toTag: "t1");
        Assert.Empty(Drain());
    }

    [Fact]
    public void Every_2xx_reaches_the_user_while_the_INVITE_is_accepted_and_none_after_timer_M()
    {
        var invite = Request("INVITE");
        _layer.SendInvite(invite, _peer.LocalEndPoint, _user);

        Answer(invite, 200, "OK", toTag: "t1");
        Answer(invite, 200, "OK", toTag: "t1");
        _time.Advance(TimeSpan.FromSeconds(32));
        Answer(invite, 200, "OK", toTag: "t1");

        Assert.Equal(["200", "200", "stray 200"], _user.Events);
        Assert.DoesNotContain(Drain().Select(Parse), m => m is SipRequest { Method: "ACK" });
    }

    [Fact]
    public void An_accepted_INVITE_keeps_absorbing_its_2xx_without_holding_the_request()
    {
        var (request, answer) = SendAndAnswerInvite();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        // Still Accepted until timer M, so the retransmitted 2xx reaches the user, but the INVITE itself is let go of.
        Assert.Equal(1, _layer.ClientTransactionCount);
        _transport.Receive(answer, _peer.LocalEndPoint, _layer);
        Assert.Equal(["200", "200"], _user.Events);
        Assert.False(request.IsAlive, "the accepted INVITE transaction still references its request");
    }

    /// <summary>An INVITE sent and answered 200; only a weak reference to the request and the 2xx's bytes leave.</summary>
    private (WeakReference Request, byte[] Answer) SendAndAnswerInvite()
    {
        var invite = Request("INVITE");
        _layer.SendInvite(invite, _peer.LocalEndPoint, _user);
        var answer = SipResponses.For(invite, 200, "OK", "t1").ToBytes();
        _transport.Receive(answer, _peer.LocalEndPoint, _layer);
        return (new WeakReference(invite), answer);
    }

    [Fact]
    public void A_non_INVITE_request_is_retransmitted_doubling_up_to_T2_and_times_out_at_timer_F()
    {
        _layer.SendRequest(Request("BYE"), _peer.LocalEndPoint, _user);
        Assert.Single(Drain());
        List<double> sentAt = [0, .. ReceiveTimes(32)];

        Assert.Equal([0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5], sentAt);
        Assert.Equal(["timeout"], _user.Events);
    }

    [Fact]
    public void After_a_provisional_a_non_INVITE_request_is_retransmitted_every_T2()
    {
        var bye = Request("BYE");
        _layer.SendRequest(bye, _peer.LocalEndPoint, _user);
        Drain();
        Answer(bye, 100, "Trying");

        Assert.Equal([0.5, 4.5, 8.5], ReceiveTimes(10));
    }

    [Fact]
    public void A_final_response_to_a_non_INVITE_is_delivered_once_and_the_transaction_ends_after_timer_K()
    {
        var bye = Request("BYE");
        _layer.SendRequest(bye, _peer.LocalEndPoint, _user);
        Drain();

        Answer(bye, 200, "OK");
        Answer(bye, 200, "OK");
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(["200"], _user.Events);
        Assert.Empty(Drain());
        Assert.Equal((0L, 0L, 0L, 1L), Retransmissions());
        _time.Advance(SipTimers.Default.K);
        Assert.Equal(0, _layer.ClientTransactionCount);
    }

    [Fact]
    public void A_retransmitted_request_gets_the_last_response_again_until_timer_J()
    {
        var core = _core;
        var options = Request("OPTIONS", fromPeer: true);

        Deliver(options);
        Deliver(options);
        var responses = Drain().Select(Parse).Cast<SipResponse>().ToList();

        Assert.Equal(1, core.Requests);
        Assert.Equal([200, 200], responses.Select(r => r.StatusCode));
        Assert.Equal((0L, 1L, 1L, 0L), Retransmissions());
        _time.Advance(SipTimers.Default.Timeout);
        Assert.Equal(0, _layer.ServerTransactionCount);
        Deliver(options);
        Assert.Equal(2, core.Requests);
    }

    /// <summary>The layer's retransmission counts: requests and responses sent again, then received again.</summary>
    private (long, long, long, long) Retransmissions()
    {
        var counts = _layer.Retransmissions;
        return (counts.RequestsSent, counts.ResponsesSent, counts.RequestsReceived, counts.ResponsesReceived);
    }

    private SipRequest Request(string method, bool fromPeer = false)
    {
        var request = new SipRequest(method, "sip:bob@biloxi.example");
        var port = fromPeer ? _peer.LocalEndPoint.Port : _transport.LocalEndPoint.Port;
        request.Headers.Add("Via", $"SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{Guid.NewGuid():N}");
        request.Headers.Add("From", "<sip:alice@atlanta.example>;tag=a1");
        request.Headers.Add("To", "<sip:bob@biloxi.example>");
        request.Headers.Add("Call-ID", Guid.NewGuid().ToString("N"));
        request.Headers.Add("CSeq", $"7 {method}");
        request.Headers.Add("Max-Forwards", "70");
        return request;
    }

    private void Answer(SipRequest request, int status, string reason, string? toTag = null) =>
        _transport.Receive(SipResponses.For(request, status, reason, toTag).ToBytes(), _peer.LocalEndPoint, _layer);

    private void Deliver(SipRequest request) => _transport.Receive(request.ToBytes(), _peer.LocalEndPoint, _layer);

    private List<byte[]> Drain()
    {
        var datagrams = new List<byte[]>();
        while (_peer.TryReceive(out var item))
        {
            datagrams.Add(item.Datagram);
        }

        return datagrams;
    }

    private static SipMessage Parse(byte[] datagram) => SipParser.Parse(datagram).Message ?? throw new InvalidOperationException(Encoding.UTF8.GetString(datagram));

    private sealed class RecordingUser : IClientTransactionUser
    {
        public List<string> Events { get; } = [];

        public void OnResponse(ClientTransaction transaction, SipResponse response) => Events.Add(response.StatusCode.ToString());

        public void OnTimeout(ClientTransaction transaction) => Events.Add("timeout");

        public void OnTransportError(ClientTransaction transaction, Exception error) => Events.Add("transport error");
    }

    private sealed class AnsweringCore(RecordingUser user) : ITransactionUser
    {
        public int Requests { get; private set; }

        public void OnRequest(ServerTransaction transaction)
        {
            Requests++;
            transaction.Respond(200, "OK", "s1");
        }

        public void OnAck(SipRequest ack, IPEndPoint remote)
        {
        }

        public void OnStrayResponse(SipResponse response, IPEndPoint remote) => user.Events.Add("stray " + response.StatusCode);
    }
}
