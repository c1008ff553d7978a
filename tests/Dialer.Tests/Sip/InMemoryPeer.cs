using System.Net;
using System.Text;
using Cualify.Appliance.Dialer.Sip;
using Cualify.Appliance.Dialer.Sip.Messages;
using Cualify.Appliance.Dialer.Sip.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>
/// A scripted far end on the in-memory network: it reads what the stack sends and answers by hand, so a test can
/// walk a call flow message by message on fake time.
/// </summary>
public sealed class InMemoryPeer : IAsyncDisposable
{
    public const string AnswerSdp = "v=0\r\no=peer 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n";

    private InMemoryPeer(InMemoryNetwork network, InMemoryDatagramChannel channel, SipStack stack, FakeTimeProvider time)
    {
        Network = network;
        Channel = channel;
        Stack = stack;
        Time = time;
    }

    public InMemoryNetwork Network { get; }

    public InMemoryDatagramChannel Channel { get; }

    public SipStack Stack { get; }

    public FakeTimeProvider Time { get; }

    public IPEndPoint EndPoint => Channel.LocalEndPoint;

    public IPEndPoint StackEndPoint => Stack.Transport.LocalEndPoint;

    /// <summary>A stack on the in-memory network whose trunk is this peer.</summary>
    public static async Task<InMemoryPeer> StartAsync(Action<SipOptions>? configure = null)
    {
        var network = new InMemoryNetwork();
        var channel = network.Open();
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2030-01-01T10:00:00Z"));
        var options = TestStacks.Options(channel.LocalEndPoint.Port, o =>
        {
            o.DigitWait = TimeSpan.FromSeconds(8);
            configure?.Invoke(o);
        });
        var stack = await SipStack.StartAsync(options, time, NullLoggerFactory.Instance, network.Open());
        return new InMemoryPeer(network, channel, stack, time);
    }

    /// <summary>The next message the stack sent, or a failure after <paramref name="within"/> of real time (30 s: generous for a loaded machine).</summary>
    public async Task<SipMessage> NextAsync(TimeSpan? within = null)
    {
        using var cancel = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(30));
        try
        {
            var (datagram, _) = await Channel.ReceiveAsync(cancel.Token);
            return SipParser.Parse(datagram).Message ?? throw new InvalidOperationException("The stack sent a malformed message: " + Encoding.UTF8.GetString(datagram));
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("The stack sent nothing.");
        }
    }

    public async Task<SipRequest> ExpectAsync(string method)
    {
        var message = await NextAsync();
        var request = Assert.IsType<SipRequest>(message);
        Assert.Equal(method, request.Method);
        return request;
    }

    public async Task<SipResponse> ExpectResponseAsync(int status)
    {
        var response = Assert.IsType<SipResponse>(await NextAsync());
        Assert.Equal(status, response.StatusCode);
        return response;
    }

    /// <summary>Everything sent so far, without waiting.</summary>
    public List<SipMessage> Drain()
    {
        var messages = new List<SipMessage>();
        while (Channel.TryReceive(out var item))
        {
            messages.Add(SipParser.Parse(item.Datagram).Message!);
        }

        return messages;
    }

    /// <summary>Answers <paramref name="request"/> the way a UAS would, with our tag and Contact (and an SDP answer for 2xx to INVITE).</summary>
    public SipResponse Answer(SipRequest request, int status, string reason, string? sdp = null, Action<SipResponse>? edit = null)
    {
        var response = SipResponses.For(request, status, reason, status > 100 ? "peer-tag" : null);
        if (status is >= 101 and < 300 && request.Method == SipMethods.Invite)
        {
            response.Headers.Add("Contact", $"<sip:uas@127.0.0.1:{EndPoint.Port}>");
        }

        if (status is >= 200 and < 300 && request.Method == SipMethods.Invite)
        {
            response.SetBody("application/sdp", sdp ?? AnswerSdp);
        }

        edit?.Invoke(response);
        Send(response);
        return response;
    }

    public void Send(SipMessage message) => Channel.Send(message.ToBytes(), StackEndPoint);

    /// <summary>A request inside the dialog <paramref name="invite"/> created, from our side (To/From swapped).</summary>
    public SipRequest InDialog(SipRequest invite, string method, uint sequence)
    {
        var request = new SipRequest(method, invite.Contact!.Uri);
        request.Headers.Add("Via", $"SIP/2.0/UDP 127.0.0.1:{EndPoint.Port};branch=z9hG4bK{Guid.NewGuid():N}");
        request.Headers.Add("From", invite.To!.WithTag("peer-tag").ToString());
        request.Headers.Add("To", invite.Headers["From"]!);
        request.Headers.Add("Call-ID", invite.CallId);
        request.Headers.Add("CSeq", $"{sequence} {method}");
        request.Headers.Add("Max-Forwards", "70");
        return request;
    }

    public async ValueTask DisposeAsync() => await Stack.DisposeAsync();
}
