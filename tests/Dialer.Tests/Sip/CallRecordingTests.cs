using System.Buffers.Binary;
using Cualify.Appliance.Core.Playbooks.Audio;
using Cualify.Appliance.Dialer.Recording;
using Cualify.Appliance.Dialer.Sip.Sdp;
using Cualify.Appliance.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>The recorder on its own, with the shared writer thread running: what reaches the file, and when.</summary>
public sealed class CallRecordingTests : IAsyncLifetime
{
    private readonly CancellationTokenSource _stop = new();
    private readonly RecordingWriter _writer = new();
    private readonly TempDirectory _folder = new("call-recorder");
    private Task _running = Task.CompletedTask;

    public Task InitializeAsync()
    {
        _running = _writer.RunAsync(_stop.Token);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        _stop.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task Each_sent_frame_is_paired_with_what_the_callee_sent_and_a_lost_packet_is_silence_on_channel_2()
    {
        var path = _folder.Combine("call.wav");
        var recorder = new CallRecorder(path, _writer, new FakeTimeProvider());
        var ours = Frame(G711.LinearToUlaw(1000));
        recorder.Received(AudioCodec.Pcma.PayloadType, Frame(G711.LinearToAlaw(-2000)));
        recorder.Sent(ours, AudioCodec.Pcmu);
        recorder.Sent(ours, AudioCodec.Pcmu); // the callee's packet for this frame was lost
        recorder.Received(AudioCodec.Pcmu.PayloadType, Frame(G711.LinearToUlaw(3000)));
        recorder.Received(AudioCodec.TelephoneEventPayloadType, [1, 2, 3, 4]);
        recorder.Sent(ours, AudioCodec.Pcmu);
        recorder.Skipped(160);

        var duration = await recorder.FinishAsync();

        var wav = await File.ReadAllBytesAsync(path);
        Assert.Equal(TimeSpan.FromMilliseconds(80), duration);
        Assert.Equal(44 + (4 * 160 * 4), wav.Length);
        Assert.Equal(4 * 160 * 4, BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(40)));
        short[] first = [G711.UlawToLinear(ours[0]), G711.UlawToLinear(ours[0]), G711.UlawToLinear(ours[0]), 0];
        short[] second = [G711.AlawToLinear(G711.LinearToAlaw(-2000)), 0, G711.UlawToLinear(G711.LinearToUlaw(3000)), 0];
        for (var frame = 0; frame < 4; frame++)
        {
            foreach (var sample in new[] { 0, 159 })
            {
                var at = 44 + (((frame * 160) + sample) * 4);
                Assert.Equal(first[frame], BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(at)));
                Assert.Equal(second[frame], BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(at + 2)));
            }
        }
    }

    [Fact]
    public async Task Each_whole_second_is_handed_to_the_file_while_the_call_goes_on_so_a_kill_loses_at_most_one()
    {
        var path = _folder.Combine("long.wav");
        using var recorder = new CallRecorder(path, _writer, new FakeTimeProvider());
        var frame = Frame(G711.LinearToUlaw(500));
        for (var i = 0; i < 125; i++)
        {
            recorder.Sent(frame, AudioCodec.Pcmu);
        }

        // 2.5 s sent: the two whole seconds reach the file (the writer's thread writes them), the half second waits.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (new FileInfo(path).Length < 44 + (2 * 32_000) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.Equal(44 + (2 * 32_000), new FileInfo(path).Length);
        Assert.Equal(TimeSpan.FromSeconds(2.5), await recorder.FinishAsync());
        Assert.Equal(44 + (5 * 16_000), new FileInfo(path).Length);
    }

    private static byte[] Frame(byte code) => Enumerable.Repeat(code, 160).ToArray();
}
