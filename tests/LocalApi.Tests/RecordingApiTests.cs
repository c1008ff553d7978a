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
        while ((await _harness.CallAsync(callId))!.RecordingUrl is not null)
        {
            await Task.Delay(50, ceiling.Token);
        }

        Assert.Empty(Directory.GetFiles(file, "*.wav", SearchOption.AllDirectories));
        await (await _harness.Admin.GetAsync($"/api/v1/calls/{callId}/recording")).ExpectErrorAsync(404, "not_found");
        Assert.Null((await _harness.GetCallAsync(callId))["recording_url"]);
    }

    /// <summary>An ended call with a finished two-channel recording of <paramref name="seconds"/> registered for it.</summary>
    private async Task<(string CallId, byte[] Wav)> RecordedCallAsync(double seconds)
    {
        var agentId = await _harness.CreatePlaybookAsync();
        await _harness.UpsertContactAsync("+919812345690");
        var callId = await _harness.PlaceCallAsync(new { agent_id = agentId, to_e164 = "+919812345690" });
        var call = await _harness.AdvanceUntilFinalAsync(callId);

        var frames = (int)(8000 * seconds);
        var wav = new byte[PcmWav.HeaderBytes + (frames * 4)];
        PcmWav.WriteHeader(wav, 8000, 2, frames * 4);
        for (var i = 0; i < frames; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(wav.AsSpan(PcmWav.HeaderBytes + (4 * i)), (short)(i % 200 * 50));
        }

        var relative = Path.Combine("recordings", call.OrgId, callId + ".wav");
        Directory.CreateDirectory(Path.Combine(_harness.Appliance.DataDir, "recordings", call.OrgId));
        await File.WriteAllBytesAsync(Path.Combine(_harness.Appliance.DataDir, relative), wav);
        Assert.True(await _harness.Appliance.Get<CallRecordings>().CompleteAsync(callId, relative));
        Assert.False(await _harness.Appliance.Get<CallRecordings>().CompleteAsync(callId, relative));
        return (callId, wav);
    }

    private static string PathOf(string url) => new Uri(url).PathAndQuery;
}
