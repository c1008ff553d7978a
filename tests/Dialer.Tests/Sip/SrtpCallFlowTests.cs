using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Cualify.Appliance.Dialer.Sip;
using Cualify.Appliance.Dialer.Sip.Media;
using Cualify.Appliance.Dialer.Sip.Media.Srtp;
using Cualify.Appliance.Dialer.Sip.Sdp;
using Cualify.Appliance.Dialer.Telephony;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>The SDES side of a call on the in-memory network: what the offer carries, a 200 that agrees no key, and re-offers that change the keys.</summary>
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

    [Fact]
    public async Task A_re_offer_with_a_new_key_and_suite_is_answered_with_our_key_under_its_tag_and_the_callees_packets_verify_under_each_key()
    {
        await using var peer = await InMemoryPeer.StartAsync(o => o.Srtp = "required");
        var progress = new RecordingProgress();
        var call = await new SipTelephonyProvider(peer.Stack).StartAsync(TestStacks.Plan(), progress, CancellationToken.None);
        var invite = await peer.ExpectAsync("INVITE");
        var ourKeys = Regex.Matches(invite.BodyText, @"a=crypto:(\d) (\S+) inline:(\S+)\r\n").ToDictionary(m => m.Groups[2].Value, m => m.Groups[3].Value);
        var ourPort = int.Parse(Regex.Match(invite.BodyText, @"m=audio (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var first = SdesCrypto.Generate(1, SrtpSuite.AesCm128HmacSha1_80);
        peer.Answer(invite, 200, "OK", Sdp(first));
        await peer.ExpectAsync("ACK");
        await progress.Answered.WaitAsync(TimeSpan.FromSeconds(5));
        using var callee = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var target = new IPEndPoint(IPAddress.Loopback, ourPort);
        await SendSrtpAsync(callee, target, first, fromSequence: 1);

        // The callee re-offers with a new key on the other suite, under tags of its own.
        var second = SdesCrypto.Generate(7, SrtpSuite.AesCm128HmacSha1_32);
        var reinvite = peer.InDialog(invite, "INVITE", 11);
        reinvite.SetBody("application/sdp", Sdp(second, SdesCrypto.Generate(8, SrtpSuite.AesCm128HmacSha1_80)));
        peer.Send(reinvite);
        var ok = await peer.ExpectResponseAsync(200);
        Assert.Contains($"a=crypto:7 AES_CM_128_HMAC_SHA1_32 inline:{ourKeys["AES_CM_128_HMAC_SHA1_32"]}\r\n", ok.BodyText);
        Assert.DoesNotContain("a=crypto:8", ok.BodyText);
        await SendSrtpAsync(callee, target, second, fromSequence: 11);

        // Dropping SRTP while it is required is refused, and the session goes on as it was.
        var plain = peer.InDialog(invite, "INVITE", 12);
        plain.SetBody("application/sdp", InMemoryPeer.AnswerSdp);
        peer.Send(plain);
        await peer.ExpectResponseAsync(488);
        await SendSrtpAsync(callee, target, second, fromSequence: 21);

        await call.HangUpAsync(HangupReason.OptedOut, CancellationToken.None);
        peer.Answer(await peer.ExpectAsync("BYE"), 200, "OK");
        var media = (await progress.EndAsync(TimeSpan.FromSeconds(30))).Media!;
        Assert.Equal(30L, Convert.ToInt64(media["rtp_received"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0L, Convert.ToInt64(media["srtp_auth_failures"], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string Sdp(params SdesCrypto[] keys) =>
        InMemoryPeer.AnswerSdp.Replace("RTP/AVP", "RTP/SAVP") + string.Concat(keys.Select(k => $"a={k.ToAttribute().Name}:{k.ToAttribute().Value}\r\n"));

    /// <summary>Ten PCMU frames protected with <paramref name="key"/>, then a pause for the call to read them.</summary>
    private static async Task SendSrtpAsync(UdpClient callee, IPEndPoint target, SdesCrypto key, int fromSequence)
    {
        using var sender = new SrtpSender(key.Suite, key.MasterKey, key.MasterSalt);
        var payload = new byte[160];
        for (var sequence = fromSequence; sequence < fromSequence + 10; sequence++)
        {
            var buffer = new byte[172 + 32];
            var length = new RtpPacket(false, 0, (ushort)sequence, 160u * (uint)sequence, 0x0BADCAFE, payload).WriteTo(buffer);
            await callee.SendAsync(buffer.AsMemory(0, sender.ProtectRtp(buffer, length)), target);
        }

        await Task.Delay(300);
    }
}
