using System.Buffers.Binary;
using Cualify.Appliance.Core.Playbooks.Audio;
using Cualify.Appliance.Core.Recordings;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.LocalApi.Tests;

/// <summary>
/// Recordings through the API on fake time: the public link needs no key and stops working after its lifetime, each
/// GET of the call hands out a fresh one, and the retention job deletes old recordings. The file here is written the
/// way the dialer leaves a finished one (the dialer's own writing is covered against baresip).
/// </summary>
public sealed class RecordingApiTests : IAsyncLifetime
{
    private const string PublicBase = "https://calls.example.test";
    private DialerHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await DialerHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Api:PublicBaseUrl"] = PublicBase,
            ["Recordings:LinkLifetime"] = "7.00:00:00",
            ["Recordings:RetentionDays"] = "30",
        });
        await _harness.TopUpAsync(100_000);
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task The_public_link_works_without_a_key_until_it_expires_and_a_fresh_one_comes_with_each_read_of_the_call()
    {
        var (callId, wav) = await RecordedCallAsync(seconds: 3);
        var first = (string)(await _harness.GetCallAsync(callId))["recording_url"]!;
        var second = (string)(await _harness.GetCallAsync(callId))["recording_url"]!;
        Assert.StartsWith($"{PublicBase}/api/v1/recordings/", first, StringComparison.Ordinal);
        Assert.EndsWith(".wav", first, StringComparison.Ordinal);
        Assert.NotEqual(first, second);

        using var anonymous = _harness.Appliance.Client();
        var served = await anonymous.GetAsync(PathOf(first));
        Assert.Equal(200, (int)served.StatusCode);
        Assert.Equal(wav, await served.Content.ReadAsByteArrayAsync());
        await (await anonymous.GetAsync("/api/v1/recordings/not-a-real-token.wav")).ExpectErrorAsync(404, "not_found");
        await (await anonymous.GetAsync($"/api/v1/calls/{callId}/recording")).ExpectErrorAsync(401, "unauthorized");

        _harness.Time.Advance(TimeSpan.FromDays(7) + TimeSpan.FromSeconds(1));
        await (await anonymous.GetAsync(PathOf(first))).ExpectErrorAsync(404, "not_found");
        var fresh = (string)(await _harness.GetCallAsync(callId))["recording_url"]!;
        Assert.Equal(200, (int)(await anonymous.GetAsync(PathOf(fresh))).StatusCode);

        var metrics = await anonymous.GetStringAsync("/metrics");
        Assert.Contains("cualify_recordings_kept 1", metrics, StringComparison.Ordinal);
        Assert.Contains($"cualify_recordings_bytes {wav.Length}", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recordings_past_their_retention_are_deleted_by_the_background_job()
    {
        var (callId, _) = await RecordedCallAsync(seconds: 2);
        var file = Path.Combine(_harness.Appliance.DataDir, "recordings");
        Assert.Single(Directory.GetFiles(file, "*.wav", SearchOption.AllDirectories));

        _harness.Time.Advance(TimeSpan.FromDays(29));
        Assert.Equal(0, await _harness.Appliance.Get<CallRecordings>().PurgeExpiredAsync());
        Assert.Equal(200, (int)(await _harness.Admin.GetAsync($"/api/v1/calls/{callId}/recording")).StatusCode);

        _harness.Time.Advance(TimeSpan.FromDays(1) + RecordingRetention.Interval);
        using var ceiling = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        // The file goes once the row's deletion has committed, a moment after the URL is seen gone.
        while ((await _harness.CallAsync(callId))!.RecordingUrl is not null || Directory.GetFiles(file, "*.wav", SearchOption.AllDirectories).Length > 0)
        {
            await Task.Delay(50, ceiling.Token);
        }

        await (await _harness.Admin.GetAsync($"/api/v1/calls/{callId}/recording")).ExpectErrorAsync(404, "not_found");
        Assert.Null((await _harness.GetCallAsync(callId))["recording_url"]);
    }

    [Fact]
    public async Task A_recording_that_finishes_after_its_contact_was_erased_is_deleted_not_registered()
    {
        var agentId = await _harness.CreatePlaybookAsync();
        var contactId = await _harness.UpsertContactAsync("+919812345692");
        var callId = await _harness.PlaceCallAsync(new { agent_id = agentId, to_e164 = "+919812345692" });
        var call = await _harness.AdvanceUntilFinalAsync(callId);
        await (await _harness.Admin.DeleteAsync($"/api/v1/contacts/{contactId}")).ExpectAsync(200);

        var relative = WriteRecording(call.OrgId, callId, seconds: 1);
        Assert.False(await _harness.Appliance.Get<CallRecordings>().CompleteAsync(callId, relative));
        Assert.False(File.Exists(Path.Combine(_harness.Appliance.DataDir, relative)));
        Assert.Null((await _harness.GetCallAsync(callId))["recording_url"]);
        await (await _harness.Admin.GetAsync($"/api/v1/calls/{callId}/recording")).ExpectErrorAsync(404, "not_found");
    }

    [Fact]
    public async Task The_org_sets_its_recording_notice_and_a_playbook_its_record_flag_with_clear_errors_for_bad_values()
    {
        var org = await (await _harness.Admin.GetAsync("/api/v1/org")).ExpectAsync(200);
        Assert.Equal("This call is recorded.", (string?)org["data"]!["recording_notice"]);
        var changed = await (await _harness.Admin.PatchJsonAsync("/api/v1/org", new { recording_notice = "Calls are recorded for quality." })).ExpectAsync(200);
        Assert.Equal("Calls are recorded for quality.", (string?)changed["data"]!["recording_notice"]);
        await (await _harness.Admin.PatchJsonAsync("/api/v1/org", new { recording_notice = "  " })).ExpectErrorAsync(422, "invalid_request", "recording_notice");

        var agentId = await _harness.CreatePlaybookAsync();
        Assert.False((bool)(await (await _harness.Admin.GetAsync($"/api/v1/playbooks/{agentId}")).ExpectAsync(200))["data"]!["record"]!);
        var recorded = await (await _harness.Admin.PatchJsonAsync($"/api/v1/playbooks/{agentId}", new { record = true })).ExpectAsync(200);
        Assert.True((bool)recorded["data"]!["record"]!);
        await (await _harness.Admin.PatchJsonAsync($"/api/v1/playbooks/{agentId}", new { record = "yes" })).ExpectErrorAsync(422, "invalid_request", "record");
        var unchanged = await (await _harness.Admin.PatchJsonAsync($"/api/v1/playbooks/{agentId}", new { name = "renamed" })).ExpectAsync(200);
        Assert.True((bool)unchanged["data"]!["record"]!);
    }

    /// <summary>An ended call with a finished two-channel recording of <paramref name="seconds"/> registered for it.</summary>
    private async Task<(string CallId, byte[] Wav)> RecordedCallAsync(double seconds)
    {
        var agentId = await _harness.CreatePlaybookAsync();
        await _harness.UpsertContactAsync("+919812345690");
        var callId = await _harness.PlaceCallAsync(new { agent_id = agentId, to_e164 = "+919812345690" });
        var call = await _harness.AdvanceUntilFinalAsync(callId);

        var relative = WriteRecording(call.OrgId, callId, seconds);
        var wav = await File.ReadAllBytesAsync(Path.Combine(_harness.Appliance.DataDir, relative));
        Assert.True(await _harness.Appliance.Get<CallRecordings>().CompleteAsync(callId, relative));
        Assert.False(await _harness.Appliance.Get<CallRecordings>().CompleteAsync(callId, relative));
        return (callId, wav);
    }

    /// <summary>A finished two-channel 8 kHz WAV where the dialer leaves one; returns its path in the data folder.</summary>
    private string WriteRecording(string orgId, string callId, double seconds)
    {
        var frames = (int)(8000 * seconds);
        var wav = new byte[PcmWav.HeaderBytes + (frames * 4)];
        PcmWav.WriteHeader(wav, 8000, 2, frames * 4);
        for (var i = 0; i < frames; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(wav.AsSpan(PcmWav.HeaderBytes + (4 * i)), (short)(i % 200 * 50));
        }

        var relative = Path.Combine("recordings", orgId, callId + ".wav");
        Directory.CreateDirectory(Path.Combine(_harness.Appliance.DataDir, "recordings", orgId));
        File.WriteAllBytes(Path.Combine(_harness.Appliance.DataDir, relative), wav);
        return relative;
    }

    private static string PathOf(string url) => new Uri(url).PathAndQuery;
}
