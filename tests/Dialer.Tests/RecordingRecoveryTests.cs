using System.Buffers.Binary;
using Cualify.Appliance.Dialer.Recording;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Dialer.Tests;

/// <summary>
/// A recording a crash left open (header sizes never written, a torn last frame) is made playable by the recovery
/// the dialer runs at start-up (called directly here, on the same store).
/// </summary>
public sealed class RecordingRecoveryTests
{
    [Fact]
    public async Task An_open_recording_is_repaired_by_start_up_recovery_and_served_up_to_the_last_whole_frame()
    {
        string callId;
        string partial;
        await using (var harness = await DialerHarness.StartAsync(settings: new Dictionary<string, string?>()))
        {
            await harness.TopUpAsync(100_000);
            var agentId = await harness.CreatePlaybookAsync();
            await harness.UpsertContactAsync("+919812345691");
            callId = await harness.PlaceCallAsync(new { agent_id = agentId, to_e164 = "+919812345691" });
            var call = await harness.AdvanceUntilFinalAsync(callId);
            partial = RecordingFiles.PartialPath(Path.Combine(harness.Appliance.DataDir, RecordingFiles.RelativePath(call.OrgId, callId)));

            // What a killed process leaves: frames on disk, the header still saying "empty", half a frame at the end.
            var tone = Enumerable.Range(0, 16_000).Select(i => (short)(i % 80 * 300)).ToArray();
            var interleaved = new byte[tone.Length * StereoWavWriter.BytesPerFrame];
            for (var i = 0; i < tone.Length; i++)
            {
                BinaryPrimitives.WriteInt16LittleEndian(interleaved.AsSpan(i * 4), tone[i]);
                BinaryPrimitives.WriteInt16LittleEndian(interleaved.AsSpan((i * 4) + 2), tone[i]);
            }

            using (var writer = new StereoWavWriter(partial))
            {
                writer.Write(interleaved, 0);
            }
            await using (var torn = new FileStream(partial, FileMode.Append))
            {
                torn.Write([1, 2]);
            }

            Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian((await File.ReadAllBytesAsync(partial)).AsSpan(40)));
            var recovered = await harness.Appliance.Get<RecordingRecovery>().RecoverAsync(CancellationToken.None);
            Assert.Equal(1, recovered);

            Assert.False(File.Exists(partial));
            var served = await harness.Admin.GetAsync($"/api/v1/calls/{callId}/recording");
            Assert.Equal(200, (int)served.StatusCode);
            var wav = await served.Content.ReadAsByteArrayAsync();
            Assert.Equal(44 + (16_000 * 4), wav.Length);
            Assert.Equal(16_000 * 4, BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(40)));
            Assert.Equal(36 + (16_000 * 4), BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(4)));
            Assert.Equal(tone[123], BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(44 + (123 * 4) + 2)));
            Assert.Equal($"/api/v1/calls/{callId}/recording", (string?)(await harness.GetCallAsync(callId))["recording_url"]);
        }
    }
}
