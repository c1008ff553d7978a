using System.Buffers.Binary;
using Cualify.Appliance.Testing;
using static Cualify.Appliance.Dialer.Tests.Sip.SipTrunkAppliance;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>
/// Every text is heard: the real appliance calls baresip over its own SIP user agent, and what baresip decoded from our
/// RTP is compared with the playbook's preview. espeak-ng does the speaking.
/// </summary>
public sealed class SipSpeechEndToEndTests
{

    private static readonly Dictionary<string, string?> QuickEnd = new() { ["Dialer:Sip:DigitWait"] = "00:00:01" };

    [Fact]
    public async Task A_text_only_playbook_is_heard_as_speech_lasting_as_long_as_its_preview()
    {
        RequiredTool.Find("espeak-ng", "sudo apt-get install -y espeak-ng");
        const string number = "+919812345671";
        await using var callee = await BaresipCallee.StartAsync(number, HeardAudio.Silence(seconds: 40));
        await using var appliance = await StartAsync(callee.Port, new
        {
            name = "Spoken renewal",
            language = "en-IN",
            disclosure_text = "This is an automated call from Acme Insurance.",
            message_text = "Your policy renews next week. Thank you, goodbye.",
            dtmf = new Dictionary<string, string>(),
        }, prompt: null, QuickEnd);
        var preview = await PreviewAsync(appliance);

        var call = await appliance.EndedCallAsync(await appliance.PlaceCallAsync(number));
        var heard = await callee.HeardAsync();

        Assert.Equal(("completed", "playbook_finished"), ((string?)call["status"], (string?)call["end_reason"]));
        Assert.Contains("disclosure_played", Timeline(call));
        var (previewStart, previewEnd) = HeardAudio.SoundSpan(preview);
        var (heardStart, heardEnd) = HeardAudio.SoundSpan(heard);
        Assert.True(previewEnd - previewStart > 3, $"the preview holds {previewEnd - previewStart:0.00} s of speech");
        Assert.InRange(heardEnd - heardStart, previewEnd - previewStart - 0.5, previewEnd - previewStart + 0.5);
        Assert.True(HeardAudio.SoundShare(heard, heardStart, heardEnd) > 0.5, "what baresip heard between the first and last sound is mostly sound, not silence");
    }

    [Fact]
    public async Task A_playbook_with_an_uploaded_WAV_speaks_the_disclosure_and_then_plays_the_WAV()
    {
        RequiredTool.Find("espeak-ng", "sudo apt-get install -y espeak-ng");
        const string number = "+919812345672";
        await using var callee = await BaresipCallee.StartAsync(number, HeardAudio.Silence(seconds: 40));
        await using var appliance = await StartAsync(callee.Port, new
        {
            name = "Disclosure then tone",
            language = "en-IN",
            disclosure_text = "This is an automated call from Acme Insurance.",
            message_text = "This text is replaced by the uploaded prompt and never spoken.",
            dtmf = new Dictionary<string, string>(),
        }, WavFixtures.Tone(16_000, 16, 1, seconds: 2), QuickEnd);
        var preview = await PreviewAsync(appliance);

        var call = await appliance.EndedCallAsync(await appliance.PlaceCallAsync(number));
        var heard = await callee.HeardAsync();

        Assert.Equal("completed", (string?)call["status"]);
        var (previewStart, previewEnd) = HeardAudio.SoundSpan(preview);
        var (heardStart, heardEnd) = HeardAudio.SoundSpan(heard);
        Assert.InRange(heardEnd - heardStart, previewEnd - previewStart - 0.5, previewEnd - previewStart + 0.5);
        // The last 1.5 s heard are the uploaded 440 Hz tone; the first 1.5 s are speech, not that tone.
        var tone = HeardAudio.Slice(heard, heardEnd - 1.6, heardEnd - 0.1);
        var speech = HeardAudio.Slice(heard, heardStart, heardStart + 1.5);
        Assert.True(HeardAudio.Power(tone, 440) > 20 * HeardAudio.Power(tone, 1000), "the uploaded tone ends the call");
        Assert.True(HeardAudio.Power(speech, 440) < 0.1 * HeardAudio.Power(tone, 440), "the call starts with the spoken disclosure, not the tone");
    }

    private static async Task<float[]> PreviewAsync(SipTrunkAppliance appliance)
    {
        var response = await appliance.Admin.GetAsync($"/api/v1/playbooks/{appliance.AgentId}/preview");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("audio/wav", response.Content.Headers.ContentType?.MediaType);
        var wav = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal((1, 8000, 16), (BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(22)), BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(24)), BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(34))));
        return HeardAudio.Mono(wav);
    }
}
