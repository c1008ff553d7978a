using System.Net;
using System.Net.Sockets;
using Cualify.Appliance.Dialer.Sip;
using Cualify.Appliance.Dialer.Sip.UserAgent;
using Cualify.Appliance.Dialer.Telephony;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>SRTP (<c>Dialer:Sip:Srtp</c>) against baresip with its <c>srtp.so</c> module as the callee.</summary>
public sealed class SipSrtpBaresipTests
{
    private const int ToneHz = 1000;

    [Fact]
    public async Task With_SRTP_required_the_callee_hears_the_prompt_the_recording_holds_its_decrypted_tone_and_a_tampered_packet_is_dropped()
    {
        const string number = "+919812345701";
        await using var callee = await BaresipCallee.StartAsync(number, HeardAudio.Tone(ToneHz, seconds: 40), mediaEncryption: "srtp-mand");
        await using var stack = await TestStacks.StartAsync(callee.Port, o => { o.Srtp = "required"; o.DigitWait = TimeSpan.FromSeconds(1); });
        using var folder = new TempDirectory("srtp");
        var recording = Path.Combine(folder.Path, "call.wav");
        var plan = TestStacks.Plan(TestStacks.WritePrompt(folder.Path, seconds: 3), to: number);
        plan = plan with { Playbook = plan.Playbook with { RecordingFile = recording } };
        var progress = new RecordingProgress();

        var call = (SipCall)await new SipTelephonyProvider(stack).StartAsync(plan, progress, CancellationToken.None);
        await AnsweredAsync(progress, callee);
        SendTamperedPacket(call.LocalRtpPort!.Value);
        var end = await progress.EndAsync();

        Assert.Equal(new CallEnd(CallOutcome.Completed, "playbook_finished"), end with { Media = null });
        Assert.True((long)end.Media!["srtp_auth_failures"]! >= 1, "the tampered packet was not counted");
        Assert.True((long)end.Media["rtp_received"]! > 50, "baresip's SRTP did not get through");
        var heard = await callee.HeardAsync();
        Assert.True(HeardAudio.SoundShare(heard, 0.5, 2.5) > 0.8, "baresip did not hear the prompt through SRTP");
        var (_, theirs) = HeardAudio.Channels(await File.ReadAllBytesAsync(recording));
        var middle = HeardAudio.Slice(theirs, 1, 2);
        Assert.True(HeardAudio.Power(middle, ToneHz) > 50 * HeardAudio.Power(middle, 440), "the recording does not hold baresip's decrypted tone");
    }

    [Fact]
    public async Task With_SRTP_required_a_callee_that_offers_no_crypto_ends_the_call_no_common_codec()
    {
        const string number = "+919812345702";
        await using var callee = await BaresipCallee.StartAsync(number, HeardAudio.Tone(ToneHz, seconds: 40));
        await using var stack = await TestStacks.StartAsync(callee.Port, o => o.Srtp = "required");
        var progress = new RecordingProgress();

        await new SipTelephonyProvider(stack).StartAsync(TestStacks.Plan(to: number), progress, CancellationToken.None);
        var end = await progress.EndAsync();

        Assert.Equal(CallOutcome.Failed, end.Outcome);
        Assert.Equal("no_common_codec", end.EndReason);
    }

    [Fact]
    public async Task With_SRTP_optional_a_callee_without_crypto_gets_plain_RTP_and_hears_the_prompt()
    {
        const string number = "+919812345703";
        await using var callee = await BaresipCallee.StartAsync(number, HeardAudio.Silence(seconds: 40));
        await using var stack = await TestStacks.StartAsync(callee.Port, o => { o.Srtp = "optional"; o.DigitWait = TimeSpan.FromSeconds(1); });
        using var folder = new TempDirectory("srtp");
        var progress = new RecordingProgress();

        await new SipTelephonyProvider(stack).StartAsync(TestStacks.Plan(TestStacks.WritePrompt(folder.Path, seconds: 3), to: number), progress, CancellationToken.None);
        var end = await progress.EndAsync();

        Assert.Equal(new CallEnd(CallOutcome.Completed, "playbook_finished"), end with { Media = null });
        Assert.False(end.Media!.ContainsKey("srtp_auth_failures"));
        Assert.True(HeardAudio.SoundShare(await callee.HeardAsync(), 0.5, 2.5) > 0.8);
    }

    private static async Task AnsweredAsync(RecordingProgress progress, BaresipCallee callee)
    {
        try
        {
            await progress.Answered.WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"baresip did not answer ({string.Join(", ", progress.Kinds)}):\n{callee.Output()}");
        }
    }

    /// <summary>An RTP packet with an SRTP tag that cannot verify (as if altered on the way) to the call's RTP port.</summary>
    /// <summary>
    /// Forged packets (random payload and tag) at sequence numbers 8,192 apart: whatever baresip's random starting
    /// sequence, one of them lies just ahead of what it has sent, so it passes the replay check (RFC 3711 §3.3.2
    /// runs it first) and has to fail authentication. One alone would often be refused as a replay instead.
    /// </summary>
    private static void SendTamperedPacket(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var random = new Random(5);
        for (var sequence = 0; sequence < 65536; sequence += 8192)
        {
            var packet = new byte[12 + 160 + 10];
            packet[0] = 0x80;
            packet[2] = (byte)(sequence >> 8);
            packet[3] = (byte)sequence;
            random.NextBytes(packet.AsSpan(12));
            socket.SendTo(packet, new IPEndPoint(IPAddress.Loopback, port));
        }
    }
}
