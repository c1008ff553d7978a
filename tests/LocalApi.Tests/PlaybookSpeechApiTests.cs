using System.Buffers.Binary;
using Cualify.Appliance.Core.Playbooks.Audio;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.LocalApi.Tests;

/// <summary>
/// Playbooks on an appliance that calls over SIP, where the appliance speaks texts itself with espeak-ng: voices are
/// checked at save, texts are synthesised at save (once per text, language and voice), and the preview is what a
/// callee hears.
/// </summary>
public sealed class PlaybookSpeechApiTests
{
    private static readonly Dictionary<string, string?> Sip = new()
    {
        ["Dialer:Provider"] = "sip",
        ["Dialer:Sip:Trunk"] = "127.0.0.1:5999",
        ["Dialer:Sip:LocalAddress"] = "127.0.0.1",
        ["Dialer:Sip:LocalPort"] = "0",
        ["Dialer:Sip:RtpPorts"] = "28000-28999",
    };

    public PlaybookSpeechApiTests() => RequiredTool.Find("espeak-ng", "sudo apt-get install -y espeak-ng");

    [Fact]
    public async Task A_language_or_voice_no_installed_voice_speaks_is_a_422_at_save()
    {
        await using var appliance = await RunningAppliance.StartAsync(settings: Sip);
        using var admin = appliance.AdminClient();

        var error = await (await admin.PostJsonAsync("/api/v1/playbooks", new { name = "Klingon", language = "tlh", message_text = "nuqneH" }))
            .ExpectErrorAsync(422, "invalid_request", "language");
        Assert.Contains("tlh", (string?)error["message"]);
        await (await admin.PostJsonAsync("/api/v1/playbooks", new { name = "Robot", language = "en-IN", voice = "no-such-voice" }))
            .ExpectErrorAsync(422, "invalid_request", "voice");

        var hindi = (await (await admin.PostJsonAsync("/api/v1/playbooks", new { name = "Hindi", language = "hi-IN", message_text = "Namaste" })).ExpectAsync(201))["data"]!;
        var spanish = (await (await admin.PostJsonAsync("/api/v1/playbooks", new { name = "Spanish", language = "es-ES", voice = "es", message_text = "Hola" })).ExpectAsync(201))["data"]!;
        Assert.Equal("es", (string?)spanish["voice"]);
        await (await admin.PatchJsonAsync($"/api/v1/playbooks/{hindi["id"]}", new { language = "tlh" })).ExpectErrorAsync(422, "invalid_request", "language");
        await (await admin.PatchJsonAsync($"/api/v1/playbooks/{hindi["id"]}", new { voice = "no-such-voice" })).ExpectErrorAsync(422, "invalid_request", "voice");
        Assert.Null((await (await admin.PatchJsonAsync($"/api/v1/playbooks/{spanish["id"]}", new { voice = (string?)null })).ExpectAsync(200))["data"]!["voice"]);
    }

    [Fact]
    public async Task Texts_are_synthesised_once_at_save_and_the_preview_is_the_disclosure_then_the_message_or_the_upload()
    {
        await using var appliance = await RunningAppliance.StartAsync(settings: Sip);
        using var admin = appliance.AdminClient();
        var playbook = new { name = "Renewal", language = "en-IN", disclosure_text = "This call is from Acme Insurance.", message_text = "Your policy renews next week." };

        var id = (string)(await (await admin.PostJsonAsync("/api/v1/playbooks", playbook)).ExpectAsync(201))["data"]!["id"]!;
        var speech = Path.Combine(appliance.DataDir, "speech");
        var synthesised = Directory.GetFiles(speech).Order().ToList();
        Assert.Equal(4, synthesised.Count); // two texts, each in µ-law and A-law
        await (await admin.PostJsonAsync("/api/v1/playbooks", playbook with { name = "Same words" })).ExpectAsync(201);
        Assert.Equal(synthesised, Directory.GetFiles(speech).Order().ToList());

        var preview = await PreviewAsync(admin, id);
        var pieces = synthesised.Where(f => f.EndsWith(".ulaw", StringComparison.Ordinal))
            .Select(f => File.ReadAllBytes(f).Select(G711.UlawToLinear).ToArray()).OrderByDescending(p => p.Length).ToList();
        Assert.Equal(pieces.Sum(p => p.Length), preview.Length);
        Assert.True(Rms(preview) > 0.02, $"the preview is speech, RMS {Rms(preview):0.000}");
        // The disclosure comes first: one of the two pieces starts the preview, the other ends it.
        var disclosure = pieces.Single(p => preview.AsSpan(0, p.Length).SequenceEqual(p));
        var message = pieces.Single(p => p != disclosure);
        Assert.True(preview.AsSpan(preview.Length - message.Length).SequenceEqual(message));

        var upload = ToneWav(seconds: 1.5);
        await (await admin.PostAsync($"/api/v1/playbooks/{id}/audio", new ByteArrayContent(upload))).ExpectAsync(201);
        var withUpload = await PreviewAsync(admin, id);
        Assert.Equal(disclosure.Length + 12_000, withUpload.Length);
        Assert.True(withUpload.AsSpan(0, disclosure.Length).SequenceEqual(disclosure));
        Assert.InRange(Rms(withUpload[^12_000..]), 0.30, 0.40); // the uploaded half-amplitude tone, not the message
    }

    [Fact]
    public async Task The_preview_of_another_orgs_or_a_missing_playbook_is_404()
    {
        await using var appliance = await RunningAppliance.StartAsync(settings: Sip);
        using var admin = appliance.AdminClient();
        await (await admin.GetAsync($"/api/v1/playbooks/{Guid.CreateVersion7()}/preview")).ExpectErrorAsync(404, "not_found", "id");
    }

    private static async Task<short[]> PreviewAsync(HttpClient admin, string id)
    {
        var response = await admin.GetAsync($"/api/v1/playbooks/{id}/preview");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("audio/wav", response.Content.Headers.ContentType?.MediaType);
        var wav = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("RIFF", System.Text.Encoding.ASCII.GetString(wav, 0, 4));
        Assert.Equal((1, 8000, 16), (BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(22)), BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(24)), BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(34))));
        Assert.Equal(wav.Length - 44, BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(40)));
        return Enumerable.Range(0, (wav.Length - 44) / 2).Select(i => BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(44 + (2 * i)))).ToArray();
    }

    private static double Rms(short[] samples) => Math.Sqrt(samples.Average(s => (s / 32768.0) * (s / 32768.0)));

    private static byte[] ToneWav(double seconds)
    {
        var frames = (int)(8000 * seconds);
        var wav = new byte[PcmWav.HeaderBytes + (frames * 2)];
        PcmWav.WriteHeader(wav, 8000, 1, frames * 2);
        for (var i = 0; i < frames; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(wav.AsSpan(PcmWav.HeaderBytes + (i * 2)), (short)(16_384 * Math.Sin(2 * Math.PI * 440 * i / 8000)));
        }

        return wav;
    }
}
