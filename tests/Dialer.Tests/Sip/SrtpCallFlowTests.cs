using Cualify.Appliance.Dialer.Sip;
using Cualify.Appliance.Dialer.Telephony;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>The SDES side of a call on the in-memory network: what the offer carries, and a 200 that agrees no key.</summary>
public sealed class SrtpCallFlowTests
{
    [Fact]
    public async Task With_SRTP_required_the_offer_is_RTP_SAVP_with_a_fresh_key_per_suite_and_a_200_without_crypto_is_hung_up_no_common_codec()
    {
        await using var peer = await InMemoryPeer.StartAsync(o => o.Srtp = "required");
        var progress = new RecordingProgress();
        await new SipTelephonyProvider(peer.Stack).StartAsync(TestStacks.Plan(), progress, CancellationToken.None);
        var invite = await peer.ExpectAsync("INVITE");

        var body = invite.BodyText;
        Assert.Contains("RTP/SAVP 0 8 101", body);
        Assert.Matches(@"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:[A-Za-z0-9+/]{40}\r\n", body);
        Assert.Matches(@"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:[A-Za-z0-9+/]{40}\r\n", body);

        peer.Answer(invite, 200, "OK");
        await peer.ExpectAsync("ACK");
        var bye = await peer.ExpectAsync("BYE");
        peer.Answer(bye, 200, "OK");
        var end = await progress.EndAsync();

        Assert.Equal(CallOutcome.Failed, end.Outcome);
        Assert.Equal("no_common_codec", end.EndReason);
        Assert.DoesNotContain("answered", progress.Kinds);
    }

    [Fact]
    public async Task With_SRTP_optional_the_keys_ride_on_RTP_AVP_and_with_SRTP_off_there_are_none()
    {
        await using (var optional = await InMemoryPeer.StartAsync(o => o.Srtp = "optional"))
        {
            await new SipTelephonyProvider(optional.Stack).StartAsync(TestStacks.Plan(), new RecordingProgress(), CancellationToken.None);
            var body = (await optional.ExpectAsync("INVITE")).BodyText;
            Assert.Contains("RTP/AVP 0 8 101", body);
            Assert.Contains("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:", body);
        }

        await using var off = await InMemoryPeer.StartAsync();
        await new SipTelephonyProvider(off.Stack).StartAsync(TestStacks.Plan(), new RecordingProgress(), CancellationToken.None);
        Assert.DoesNotContain("a=crypto", (await off.ExpectAsync("INVITE")).BodyText);
    }
}
