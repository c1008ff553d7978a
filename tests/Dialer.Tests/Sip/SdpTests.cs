using System.Net;
using Cualify.Appliance.Dialer.Sip.Sdp;

namespace Cualify.Appliance.Dialer.Tests.Sip;

public sealed class SdpTests
{
    private static readonly AudioCodec[] Both = [AudioCodec.Pcmu, AudioCodec.Pcma];

    private static SessionDescription Sdp(string text)
    {
        Assert.True(SessionDescription.TryParse(text.Replace("\n", "\r\n"), out var sdp));
        return sdp;
    }

    [Fact]
    public void The_offer_lists_our_codecs_in_order_then_telephone_event_with_20_ms_packets()
    {
        var offer = SdpOfferAnswer.Offer(IPAddress.Parse("192.0.2.10"), 10002, [AudioCodec.Pcma, AudioCodec.Pcmu], 42, 42).ToString();

        Assert.Equal(
            "v=0\r\no=- 42 42 IN IP4 192.0.2.10\r\ns=Cualify\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n" +
            "m=audio 10002 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n" +
            "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n",
            offer);
    }

    [Fact]
    public void The_answer_decides_the_codec_the_address_and_the_event_payload_type()
    {
        var media = SdpOfferAnswer.Negotiate(Sdp("""
            v=0
            o=- 1 1 IN IP4 198.51.100.1
            s=-
            c=IN IP4 198.51.100.1
            t=0 0
            m=audio 49170 RTP/AVP 8 96
            c=IN IP4 198.51.100.2
            a=rtpmap:8 PCMA/8000
            a=rtpmap:96 telephone-event/8000
            """), Both, out var failure);

        Assert.Null(failure);
        Assert.Equal(AudioCodec.Pcma, media!.Codec);
        Assert.Equal(96, media.TelephoneEventPayloadType);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.2"), 49170), media.Remote);
    }

    [Fact]
    public void Static_payload_types_need_no_rtpmap()
    {
        var media = SdpOfferAnswer.Negotiate(Sdp("v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 10.0.0.9\nt=0 0\nm=audio 4000 RTP/AVP 0\n"), Both, out _);

        Assert.Equal(AudioCodec.Pcmu, media!.Codec);
        Assert.Null(media.TelephoneEventPayloadType);
    }

    [Theory]
    [InlineData("m=audio 0 RTP/AVP 0", "rejected")]
    [InlineData("m=audio 4000 RTP/AVP 18\na=rtpmap:18 G729/8000", "no audio format in common")]
    [InlineData("m=video 4000 RTP/AVP 31", "rejected")]
    public void An_answer_without_a_usable_audio_stream_fails(string mediaLines, string reason)
    {
        var media = SdpOfferAnswer.Negotiate(Sdp($"v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 10.0.0.9\nt=0 0\n{mediaLines}\n"), Both, out var failure);

        Assert.Null(media);
        Assert.Contains(reason, failure);
    }

    [Theory]
    [InlineData("a=sendonly", false)]
    [InlineData("a=inactive", false)]
    [InlineData("a=recvonly", true)]
    [InlineData("", true)]
    public void We_send_only_to_a_peer_that_receives(string direction, bool sends)
    {
        var media = SdpOfferAnswer.Negotiate(Sdp($"v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 10.0.0.9\nt=0 0\nm=audio 4000 RTP/AVP 0\n{direction}\n"), Both, out _);

        Assert.Equal(sends, media!.Remote is not null);
    }

    [Fact]
    public void A_held_call_with_address_zero_gets_no_RTP()
    {
        var media = SdpOfferAnswer.Negotiate(Sdp("v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 0.0.0.0\nt=0 0\nm=audio 4000 RTP/AVP 0\n"), Both, out _);

        Assert.Null(media!.Remote);
    }

    [Fact]
    public void Garbage_is_not_an_SDP()
    {
        Assert.False(SessionDescription.TryParse("hello world", out _));
        Assert.False(SessionDescription.TryParse("v=0\r\nm=audio x RTP/AVP 0\r\n", out _));
    }
}
