using System.Net.Http.Headers;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Playbooks.Audio;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.LocalApi.Tests;

public sealed class PlaybookApiTests : IAsyncLifetime
{
    private DialerHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await DialerHarness.StartAsync();

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task A_playbook_is_created_read_listed_changed_and_deleted()
    {
        var admin = _harness.Admin;
        var created = (await (await admin.PostJsonAsync("/api/v1/playbooks", new
        {
            name = "Renewal",
            language = "hi-IN",
            max_duration_sec = 240,
            disclosure_text = "Yeh call Acme Insurance se hai.",
            message_text = "Aapki policy agle hafte renew hogi.",
            dtmf = new Dictionary<string, string> { ["1"] = "handoff", ["9"] = "opt_out" },
            handoff_target = "+91 80 1234 5678",
            voicemail = "leave_message",
        })).ExpectAsync(201))["data"]!;
        var id = (string)created["id"]!;
        Assert.Equal("hi-IN", (string?)created["language"]);
        Assert.Equal(240, (int)created["max_duration_sec"]!);
        Assert.Equal("handoff", (string?)created["dtmf"]!["1"]);
        Assert.Equal("+918012345678", (string?)created["handoff_target"]);
        Assert.Equal("leave_message", (string?)created["voicemail"]);
        Assert.Null(created["audio_id"]);

        var read = (await (await admin.GetAsync($"/api/v1/playbooks/{id}")).ExpectAsync(200))["data"]!;
        Assert.Equal("Renewal", (string?)read["name"]);

        var patched = (await (await admin.PatchJsonAsync($"/api/v1/playbooks/{id}", new { name = "Renewal v2", disclosure_text = (string?)null, dtmf = new Dictionary<string, string> { ["0"] = "handoff" } })).ExpectAsync(200))["data"]!;
        Assert.Equal("Renewal v2", (string?)patched["name"]);
        Assert.Null(patched["disclosure_text"]);
        Assert.Equal("Aapki policy agle hafte renew hogi.", (string?)patched["message_text"]);
        Assert.Equal(["0"], patched["dtmf"]!.AsObject().Select(p => p.Key));
        Assert.Equal(240, (int)patched["max_duration_sec"]!);

        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        await (await admin.PostJsonAsync("/api/v1/playbooks", new { name = "Second" })).ExpectAsync(201);
        var list = await (await admin.GetAsync("/api/v1/playbooks?limit=1")).ExpectAsync(200);
        Assert.Equal("Second", (string?)list["data"]![0]!["name"]); // newest first
        Assert.Equal(2, (long)list["pagination"]!["total"]!);
        Assert.True((bool)list["pagination"]!["has_more"]!);

        await (await admin.DeleteAsync($"/api/v1/playbooks/{id}")).ExpectAsync(200);
        await (await admin.GetAsync($"/api/v1/playbooks/{id}")).ExpectErrorAsync(404, "not_found", "id");
        await (await admin.DeleteAsync($"/api/v1/playbooks/{id}")).ExpectErrorAsync(404, "not_found", "id");
        Assert.Equal(1, (long)(await (await admin.GetAsync("/api/v1/playbooks")).ExpectAsync(200))["pagination"]!["total"]!);
    }

    [Fact]
    public async Task Invalid_playbooks_are_422_naming_each_field()
    {
        var error = await (await _harness.Admin.PostJsonAsync("/api/v1/playbooks", new
        {
            name = "",
            language = "english please",
            max_duration_sec = 0,
            dtmf = new Dictionary<string, string> { ["12"] = "handoff", ["5"] = "dance" },
            handoff_target = "the front desk",
            voicemail = "sing",
        })).ExpectErrorAsync(422, "invalid_request", "name");
        var fields = error["details"]!["fieldErrors"]!.AsObject().Select(f => f.Key).Order().ToList();
        Assert.Equal(["dtmf", "handoff_target", "language", "max_duration_sec", "name", "voicemail"], fields);

        var id = await _harness.CreatePlaybookAsync();
        await (await _harness.Admin.PatchJsonAsync($"/api/v1/playbooks/{id}", new { max_duration_sec = "long" })).ExpectErrorAsync(422, "invalid_request", "max_duration_sec");
        await (await _harness.Admin.PatchJsonAsync($"/api/v1/playbooks/{id}", new { audio_id = Guid.CreateVersion7().ToString() })).ExpectErrorAsync(422, "invalid_request", "audio_id");
    }

    [Theory]
    [InlineData(44100, 16, 2, false)]
    [InlineData(48000, 24, 1, false)]
    [InlineData(8000, 8, 1, true)]
    public async Task An_uploaded_PCM_WAV_is_stored_as_8_kHz_G711_for_the_dialer(int rate, int bits, int channels, bool multipart)
    {
        var id = await _harness.CreatePlaybookAsync();
        var wav = WavFixtures.Tone(rate, bits, channels, seconds: 2);
        HttpContent content = new ByteArrayContent(wav) { Headers = { ContentType = new MediaTypeHeaderValue("audio/wav") } };
        if (multipart)
        {
            content = new MultipartFormDataContent { { content, "file", "prompt.wav" } };
        }

        var uploaded = (await (await _harness.Admin.PostAsync($"/api/v1/playbooks/{id}/audio", content)).ExpectAsync(201))["data"]!;
        var audioId = (string)uploaded["audio_id"]!;
        Assert.Equal(audioId, (string?)uploaded["audio"]!["id"]);
        Assert.Equal(2000, (long)uploaded["audio"]!["duration_ms"]!);
        Assert.Equal(8000, (int)uploaded["audio"]!["sample_rate"]!);
        Assert.Contains($"{bits}-bit, {rate} Hz", (string?)uploaded["audio"]!["source_format"]);

        var audio = await _harness.Appliance.Get<PlaybookStore>().AudioAsync(audioId);
        var store = _harness.Appliance.Get<PlaybookAudioStore>();
        Assert.Equal(16_000, new FileInfo(store.UlawPath(audio!)).Length);
        Assert.Equal(16_000, new FileInfo(store.AlawPath(audio!)).Length);
        Assert.StartsWith(_harness.Appliance.DataDir, store.UlawPath(audio!));
        var samples = (await File.ReadAllBytesAsync(store.UlawPath(audio!))).Select(G711.UlawToLinear).ToArray();
        Assert.InRange(samples.Max(s => Math.Abs((int)s)), 12_000, 20_000); // the 0.5-amplitude tone survived

        var read = (await (await _harness.Admin.GetAsync($"/api/v1/playbooks/{id}")).ExpectAsync(200))["data"]!;
        Assert.Equal(audioId, (string?)read["audio_id"]);
    }

    [Fact]
    public async Task Uploads_that_are_not_PCM_WAV_get_a_clear_422()
    {
        var id = await _harness.CreatePlaybookAsync();
        var mp3 = new ByteArrayContent("ID3\u0004\0\0\0\0\0\0 not really audio"u8.ToArray());
        var error = await (await _harness.Admin.PostAsync($"/api/v1/playbooks/{id}/audio", mp3)).ExpectErrorAsync(422, "invalid_request", "file");
        Assert.Contains("not a WAV", (string?)error["message"]);

        var floatWav = WavFixtures.Float32(8000, seconds: 1);
        error = await (await _harness.Admin.PostAsync($"/api/v1/playbooks/{id}/audio", new ByteArrayContent(floatWav))).ExpectErrorAsync(422, "invalid_request", "file");
        Assert.Contains("floating point", (string?)error["message"]);

        await (await _harness.Admin.PostAsync($"/api/v1/playbooks/{id}/audio", new ByteArrayContent([]))).ExpectErrorAsync(422, "invalid_request", "file");
        await (await _harness.Admin.PostAsync($"/api/v1/playbooks/{Guid.CreateVersion7()}/audio", new ByteArrayContent(WavFixtures.Tone(8000, 16, 1, 1))))
            .ExpectErrorAsync(404, "not_found", "id");
    }
}
