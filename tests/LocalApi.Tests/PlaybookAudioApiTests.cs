using System.Buffers.Binary;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Playbooks.Audio;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.LocalApi.Tests;

public sealed class PlaybookAudioApiTests
{
    [Theory]
    [InlineData(96_000)]
    [InlineData(384_000)]
    public async Task A_WAV_above_48_kHz_is_a_422_naming_the_limit(int rate)
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();
        var id = await CreatePlaybookAsync(admin);

        var error = await (await admin.PostAsync($"/api/v1/playbooks/{id}/audio", new ByteArrayContent(ToneWav(rate, seconds: 1))))
            .ExpectErrorAsync(422, "invalid_request", "file");

        Assert.Contains($"{rate} Hz", (string?)error["message"]);
        Assert.Contains("48000 Hz or lower", (string?)error["message"]);
        Assert.Null((await (await admin.GetAsync($"/api/v1/playbooks/{id}")).ExpectAsync(200))["data"]!["audio_id"]);
    }

    [Fact]
    public async Task A_replaced_prompt_is_deleted_unless_another_playbook_still_plays_it()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();
        var audioStore = appliance.Get<PlaybookAudioStore>();
        var playbooks = appliance.Get<PlaybookStore>();
        var first = await CreatePlaybookAsync(admin);
        var second = await CreatePlaybookAsync(admin);

        var original = await UploadAsync(admin, first, 440);
        await (await admin.PatchJsonAsync($"/api/v1/playbooks/{second}", new { audio_id = original })).ExpectAsync(200);
        var originalAudio = (await playbooks.AudioAsync(original))!;
        var originalFiles = new[] { audioStore.UlawPath(originalAudio), audioStore.AlawPath(originalAudio) };

        // The second playbook still plays the original: replacing it on the first keeps it.
        var replacement = await UploadAsync(admin, first, 660);
        Assert.All(originalFiles, file => Assert.True(File.Exists(file), file));

        // Once nobody plays a prompt, replacing it removes its files and its row.
        var replacementAudio = (await playbooks.AudioAsync(replacement))!;
        var replacementFiles = new[] { audioStore.UlawPath(replacementAudio), audioStore.AlawPath(replacementAudio) };
        var latest = await UploadAsync(admin, first, 880);
        Assert.All(replacementFiles, file => Assert.False(File.Exists(file), file));
        Assert.Null(await playbooks.AudioAsync(replacement));
        await (await admin.PatchJsonAsync($"/api/v1/playbooks/{second}", new { audio_id = replacement })).ExpectErrorAsync(422, "invalid_request", "audio_id");

        var latestAudio = (await playbooks.AudioAsync(latest))!;
        Assert.Equal(16_000, new FileInfo(audioStore.UlawPath(latestAudio)).Length);
        Assert.Equal(16_000, new FileInfo(audioStore.AlawPath(latestAudio)).Length);
    }

    private static async Task<string> CreatePlaybookAsync(HttpClient admin) =>
        (string)(await (await admin.PostJsonAsync("/api/v1/playbooks", new { name = "Renewal", language = "en-IN" })).ExpectAsync(201))["data"]!["id"]!;

    private static async Task<string> UploadAsync(HttpClient admin, string playbookId, double frequency) =>
        (string)(await (await admin.PostAsync($"/api/v1/playbooks/{playbookId}/audio", new ByteArrayContent(ToneWav(16_000, seconds: 2, frequency))))
            .ExpectAsync(201))["data"]!["audio_id"]!;

    /// <summary>A 16-bit mono sine WAV at half amplitude.</summary>
    private static byte[] ToneWav(int rate, double seconds, double frequency = 440)
    {
        var frames = (int)(rate * seconds);
        var wav = new byte[PcmWav.HeaderBytes + (frames * 2)];
        PcmWav.WriteHeader(wav, rate, 1, frames * 2);
        for (var i = 0; i < frames; i++)
        {
            var sample = (short)(16_000 * Math.Sin(2 * Math.PI * frequency * i / rate));
            BinaryPrimitives.WriteInt16LittleEndian(wav.AsSpan(PcmWav.HeaderBytes + (i * 2)), sample);
        }

        return wav;
    }
}
