using System.Text;
using Cualify.Appliance.Dialer.Sip.Messages;

namespace Cualify.Appliance.Dialer.Tests.Sip;

public sealed class SipParserTests
{
    private const string Invite =
        "INVITE sip:+919812345678@trunk.example SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc;rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "From: \"Caller\" <sip:cualify@example.com>;tag=1928\r\n" +
        "To: <sip:+919812345678@trunk.example>\r\n" +
        "Call-ID: a84b4c76e66710@10.0.0.1\r\n" +
        "CSeq: 314159 INVITE\r\n" +
        "Contact: <sip:cualify@10.0.0.1:5060>\r\n" +
        "Content-Type: application/sdp\r\n" +
        "Content-Length: 4\r\n" +
        "\r\n" +
        "v=0\n";

    private static SipMessage Parse(string text)
    {
        var result = SipParser.Parse(Encoding.UTF8.GetBytes(text));
        Assert.True(result.Message is not null, result.Error);
        return result.Message!;
    }

    private static string Reject(string text)
    {
        var result = SipParser.Parse(Encoding.UTF8.GetBytes(text));
        Assert.Null(result.Message);
        Assert.NotNull(result.Error);
        return result.Error!;
    }

    [Fact]
    public void A_request_parses_into_its_parts()
    {
        var request = Assert.IsType<SipRequest>(Parse(Invite));

        Assert.Equal("INVITE", request.Method);
        Assert.Equal("sip:+919812345678@trunk.example", request.RequestUri);
        Assert.Equal(new CSeq(314159, "INVITE"), request.CSeq);
        Assert.Equal("a84b4c76e66710@10.0.0.1", request.CallId);
        Assert.Equal("1928", request.From!.Tag);
        Assert.Equal("Caller", request.From.DisplayName);
        Assert.Equal("z9hG4bKabc", request.TopVia!.Branch);
        Assert.Equal("v=0\n", request.BodyText);
    }

    [Fact]
    public void Compact_forms_and_any_case_mean_the_same_headers()
    {
        var message = Parse(
            "BYE sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\nf: <sip:x@y>;tag=1\r\nT: <sip:a@b>;tag=2\r\n" +
            "i: abc@h\r\ncseq: 2 BYE\r\nm: <sip:x@h>\r\nl: 0\r\n\r\n");

        Assert.Equal("abc@h", message.CallId);
        Assert.Equal("abc@h", message.Headers["call-id"]);
        Assert.Equal("2", message.To!.Tag);
        Assert.Equal("sip:x@h", message.Contact!.Uri);
        Assert.Equal(new CSeq(2, "BYE"), message.CSeq);
        Assert.Contains(message.Headers, h => h.Name == "Via");
    }

    [Fact]
    public void Folded_header_lines_are_joined()
    {
        var message = Parse(Invite.Replace("Max-Forwards: 70\r\n", "Subject: I know you're there,\r\n  pick up the phone\r\n\tand talk to me!\r\nMax-Forwards: 70\r\n"));

        Assert.Equal("I know you're there, pick up the phone and talk to me!", message.Headers["Subject"]);
    }

    [Fact]
    public void Comma_separated_Via_and_Route_values_become_one_entry_each_in_order()
    {
        var message = Parse(Invite
            .Replace("Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc;rport\r\n",
                "Via: SIP/2.0/UDP p1.example;branch=z9hG4bK1, SIP/2.0/UDP p2.example;branch=z9hG4bK2\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK3\r\n")
            .Replace("Max-Forwards: 70\r\n", "Route: <sip:p1.example;lr>,<sip:p2.example;lr>\r\nContact: \"Doe, John\" <sip:jd@h>\r\nMax-Forwards: 70\r\n"));

        Assert.Equal(["z9hG4bK1", "z9hG4bK2", "z9hG4bK3"], message.Headers.GetAll("Via").Select(v => Via.Parse(v).Branch));
        Assert.Equal(["<sip:p1.example;lr>", "<sip:p2.example;lr>"], message.Headers.GetAll("route"));
        Assert.Equal("Doe, John", NameAddress.Parse(message.Headers.GetAll("Contact").First()).DisplayName);
    }

    [Fact]
    public void Content_Length_bounds_the_body_and_extra_bytes_are_ignored()
    {
        var message = Parse(Invite + "garbage after the body");

        Assert.Equal("v=0\n", message.BodyText);
    }

    [Fact]
    public void Without_Content_Length_the_rest_of_the_datagram_is_the_body()
    {
        var message = Parse(Invite.Replace("Content-Length: 4\r\n", ""));

        Assert.Equal("v=0\n", message.BodyText);
    }

    [Fact]
    public void A_lone_CRLF_is_a_keep_alive()
    {
        Assert.True(SipParser.Parse("\r\n\r\n"u8).IsKeepAlive);
    }

    [Theory]
    [InlineData("Content-Length: 4\r\n", "Content-Length: 400\r\n")]
    [InlineData("Content-Length: 4\r\n", "Content-Length: -1\r\n")]
    [InlineData("Content-Length: 4\r\n", "Content-Length: 4\r\nContent-Length: 5\r\n")]
    [InlineData("CSeq: 314159 INVITE", "CSeq: 314159 BYE")]
    [InlineData("CSeq: 314159 INVITE", "CSeq: 9999999999 INVITE")]
    [InlineData("CSeq: 314159 INVITE", "CSeq: INVITE")]
    [InlineData("Call-ID: a84b4c76e66710@10.0.0.1\r\n", "")]
    [InlineData("Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc;rport", "Via: SIP/3.0/UDP 10.0.0.1")]
    [InlineData("Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc;rport", "Via: SIP/2.0/UDP 10.0.0.1:99999")]
    [InlineData("From: \"Caller\" <sip:cualify@example.com>;tag=1928", "From: \"Caller <sip:cualify@example.com>")]
    [InlineData("To: <sip:+919812345678@trunk.example>", "To: <sip:+919812345678@trunk.example")]
    [InlineData("INVITE sip:+919812345678@trunk.example SIP/2.0", "INVITE sip:+919812345678@trunk.example SIP/1.0")]
    [InlineData("INVITE sip:+919812345678@trunk.example SIP/2.0", "INV<TE sip:x@y SIP/2.0")]
    [InlineData("INVITE sip:+919812345678@trunk.example SIP/2.0", "INVITE  SIP/2.0")]
    [InlineData("Max-Forwards: 70", "Max-Forwards: seventy")]
    [InlineData("Max-Forwards: 70", "Max Forwards 70")]
    [InlineData("Max-Forwards: 70", "Max-Forwards: 7\00")]
    [InlineData("\r\n\r\nv=0", "\r\nv=0")]
    public void Malformed_messages_are_rejected_with_a_reason_not_an_exception(string part, string replacement)
    {
        Reject(Invite.Replace(part, replacement));
    }

    [Theory]
    [InlineData("SIP/2.0 99 Too Low\r\n")]
    [InlineData("SIP/2.0 700 Too High\r\n")]
    [InlineData("SIP/2.0 2000 OK\r\n")]
    [InlineData("SIP/2.0 OK\r\n")]
    public void Responses_need_a_three_digit_status_between_100_and_699(string statusLine)
    {
        var rest = "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n";
        Reject(statusLine + rest);
        Assert.IsType<SipResponse>(Parse("SIP/2.0 180 Ringing\r\n" + rest));
    }

    [Fact]
    public void A_message_survives_serialising_and_parsing_again()
    {
        var original = Parse(Invite);

        var again = Parse(Encoding.UTF8.GetString(original.ToBytes()));

        Assert.Equal(original.Headers.Select(h => (h.Name, h.Value)), again.Headers.Select(h => (h.Name, h.Value)));
        Assert.Equal(original.BodyText, again.BodyText);
    }

    [Fact]
    public void Serialising_writes_Content_Length_from_the_body()
    {
        var request = new SipRequest("OPTIONS", "sip:h");
        request.Headers.Add("Content-Length", "999");
        request.SetBody("text/plain", "hello");

        var text = Encoding.UTF8.GetString(request.ToBytes());

        Assert.Contains("Content-Length: 5\r\n\r\nhello", text);
        Assert.DoesNotContain("999", text);
    }

    [Theory]
    [InlineData("sip:alice@atlanta.com", "alice", "atlanta.com", null)]
    [InlineData("sip:+919812345678@10.0.0.1:5080;user=phone", "+919812345678", "10.0.0.1", 5080)]
    [InlineData("sips:[2001:db8::1]:5061;transport=tcp", null, "[2001:db8::1]", 5061)]
    public void SIP_URIs_parse(string text, string? user, string host, int? port)
    {
        Assert.True(SipUri.TryParse(text, out var uri));
        Assert.Equal(user, uri.User);
        Assert.Equal(host, uri.Host);
        Assert.Equal(port, uri.Port);
        Assert.Equal(text, uri.ToString());
    }

    [Theory]
    [InlineData("tel:+15551234")]
    [InlineData("sip:")]
    [InlineData("sip:a@")]
    [InlineData("sip:host:0")]
    [InlineData("sip:ho st")]
    public void Bad_SIP_URIs_do_not_parse(string text)
    {
        Assert.False(SipUri.TryParse(text, out _));
    }

    [Fact]
    public void Received_and_rport_are_stamped_on_a_request_from_another_address()
    {
        var request = (SipRequest)Parse(Invite);
        var stack = new Cualify.Appliance.Dialer.Sip.Transport.SipTransport(new Cualify.Appliance.Dialer.Sip.Transport.InMemoryNetwork().Open(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var sink = new CapturingSink();

        stack.Receive(request.ToBytes(), new System.Net.IPEndPoint(System.Net.IPAddress.Parse("192.0.2.7"), 40123), sink);

        var via = sink.Requests.Single().TopVia!;
        Assert.Equal("192.0.2.7", via.Received);
        Assert.Equal(40123, via.ReceivedPort);
    }

    private sealed class CapturingSink : Cualify.Appliance.Dialer.Sip.Transport.ISipMessageSink
    {
        public List<SipRequest> Requests { get; } = [];

        public void OnRequest(SipRequest request, System.Net.IPEndPoint remote) => Requests.Add(request);

        public void OnResponse(SipResponse response, System.Net.IPEndPoint remote)
        {
        }
    }
}
