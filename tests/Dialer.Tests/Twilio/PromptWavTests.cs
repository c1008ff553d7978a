using System.Buffers.Binary;
using Cualify.Appliance.Core.Playbooks.Audio;
using Cualify.Appliance.Dialer.Twilio;

namespace Cualify.Appliance.Dialer.Tests.Twilio;

public sealed class PromptWavTests
{
    [Theory]
    [InlineData(0xFF, 0)]
    [InlineData(0x7F, 0)]
    [InlineData(0x80, 32124)]
    [InlineData(0x00, -32124)]
    [InlineData(0xF0, 120)]
    [InlineData(0x70, -120)]
    public void Decodes_g711_ulaw(byte encoded, short expected) => Assert.Equal(expected, G711.UlawToLinear(encoded));

    [Fact]
    public void Wraps_the_prompt_in_a_16_bit_8_khz_mono_pcm_wav()
    {
        var wav = PromptWav.FromUlaw(new byte[] { 0xFF, 0x80, 0x00 });

        Assert.Equal("RIFF", System.Text.Encoding.ASCII.GetString(wav, 0, 4));
        Assert.Equal(wav.Length - 8, BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(4)));
        Assert.Equal("WAVEfmt ", System.Text.Encoding.ASCII.GetString(wav, 8, 8));
        Assert.Equal(1, BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(20)));
        Assert.Equal(1, BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(22)));
        Assert.Equal(8_000, BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(24)));
        Assert.Equal(16, BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(34)));
        Assert.Equal(6, BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(40)));
        Assert.Equal([0, 32124, -32124], Enumerable.Range(0, 3).Select(i => BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(44 + (2 * i)))));
    }
}
