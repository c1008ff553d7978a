using System.Buffers.Binary;
using Cualify.Appliance.Dialer.Twilio;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Dialer.Tests.Twilio;

/// <summary>The file kept from Twilio's WAV: only two channels of 8 kHz 16-bit PCM, channels swapped, nothing after the audio.</summary>
public sealed class TwilioRecordingWavTests : IDisposable
{
    private readonly TempDirectory _dir = new("twilio-wav");

    [Theory]
    [InlineData(8000, 16, 1)]
    [InlineData(16000, 16, 2)]
    [InlineData(8000, 8, 2)]
    public async Task A_recording_that_is_not_two_channels_of_8_khz_16_bit_pcm_is_refused(int rate, int bits, int channels)
    {
        using var source = new MemoryStream(WavFixtures.Tone(rate, bits, channels, seconds: 0.5));

        var refused = await Assert.ThrowsAsync<UnsupportedRecordingException>(() => TwilioRecordingWav.WriteAsync(source, _dir.Combine("r.wav"), CancellationToken.None));

        Assert.Contains("two channels of 8000 Hz 16-bit PCM", refused.Message);
    }

    [Fact]
    public async Task The_channels_are_swapped_and_bytes_after_the_declared_audio_are_left_out()
    {
        var data = new byte[8];
        BinaryPrimitives.WriteInt16LittleEndian(data, 100);
        BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(2), -200);
        BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(4), 300);
        BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(6), -400);
        using var source = new MemoryStream([.. WavFixtures.Wrap(data, 8000, 16, 2), .. "LIST\u0004\0\0\0junk"u8.ToArray()]);
        var path = _dir.Combine("r.wav");

        var written = await TwilioRecordingWav.WriteAsync(source, path, CancellationToken.None);

        var kept = await File.ReadAllBytesAsync(path);
        Assert.Equal(8, written);
        Assert.Equal(44 + 8, kept.Length);
        Assert.Equal(8, BinaryPrimitives.ReadInt32LittleEndian(kept.AsSpan(40)));
        Assert.Equal([-200, 100, -400, 300], Enumerable.Range(0, 4).Select(i => (int)BinaryPrimitives.ReadInt16LittleEndian(kept.AsSpan(44 + (i * 2)))));
    }

    public void Dispose() => _dir.Dispose();
}
