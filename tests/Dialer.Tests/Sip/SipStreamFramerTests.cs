using System.Text;
using Cualify.Appliance.Dialer.Sip.Transport;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>Cutting a TCP/TLS byte stream into SIP messages by Content-Length (RFC 3261 §18.3) and CRLF keep-alives (RFC 5626).</summary>
public sealed class SipStreamFramerTests
{
    private const string Bye =
        "BYE sip:a@10.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.2;branch=z9hG4bK1\r\nCall-ID: x\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n";

    private const string WithBody =
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 10.0.0.2;branch=z9hG4bK1\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nl: 5\r\n\r\nv=0\r\n";

    private static List<string> Frames(SipStreamFramer framer)
    {
        var frames = new List<string>();
        while (framer.TryTake(out var message) is var frame && frame != SipStreamFrame.None)
        {
            frames.Add(frame == SipStreamFrame.Message ? Encoding.ASCII.GetString(message) : frame.ToString());
        }

        return frames;
    }

    [Fact]
    public void Two_messages_in_one_read_come_out_as_two_with_the_body_counted_by_the_compact_Content_Length()
    {
        var framer = new SipStreamFramer();
        framer.Append(Encoding.ASCII.GetBytes(Bye + WithBody));

        Assert.Equal([Bye, WithBody], Frames(framer));
    }

    [Fact]
    public void A_message_split_anywhere_comes_out_whole_only_once_its_last_byte_arrived()
    {
        var bytes = Encoding.ASCII.GetBytes(WithBody);
        for (var split = 1; split < bytes.Length; split++)
        {
            var framer = new SipStreamFramer();
            framer.Append(bytes.AsSpan(0, split));
            Assert.Empty(Frames(framer));
            framer.Append(bytes.AsSpan(split));
            Assert.Equal([WithBody], Frames(framer));
        }
    }

    [Fact]
    public void A_double_CRLF_is_a_ping_and_a_single_CRLF_a_pong_between_messages()
    {
        var framer = new SipStreamFramer();
        framer.Append(Encoding.ASCII.GetBytes("\r\n\r\n" + Bye + "\r\n" + Bye));

        Assert.Equal(["Ping", Bye, "Pong", Bye], Frames(framer));
    }

    [Fact]
    public void A_message_without_Content_Length_breaks_the_stream()
    {
        var framer = new SipStreamFramer();
        framer.Append(Encoding.ASCII.GetBytes("BYE sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n"));

        Assert.Throws<SipStreamFramingException>(() => framer.TryTake(out _));
    }

    [Fact]
    public void A_message_over_the_limit_breaks_the_stream_before_its_body_is_read()
    {
        var framer = new SipStreamFramer(maxMessageBytes: 1000);
        framer.Append(Encoding.ASCII.GetBytes("SIP/2.0 200 OK\r\nContent-Length: 5000\r\n\r\n"));

        Assert.Throws<SipStreamFramingException>(() => framer.TryTake(out _));
    }

    [Fact]
    public void Reading_through_writable_memory_grows_the_buffer_for_a_large_message()
    {
        var body = new string('a', 20_000);
        var text = $"SIP/2.0 200 OK\r\nContent-Length: {body.Length}\r\n\r\n{body}";
        var bytes = Encoding.ASCII.GetBytes(text);
        var framer = new SipStreamFramer();
        var offset = 0;
        while (offset < bytes.Length)
        {
            var room = framer.WritableMemory();
            var count = Math.Min(room.Length, Math.Min(1500, bytes.Length - offset));
            bytes.AsSpan(offset, count).CopyTo(room.Span);
            framer.Advance(count);
            offset += count;
        }

        Assert.Equal([text], Frames(framer));
    }
}
