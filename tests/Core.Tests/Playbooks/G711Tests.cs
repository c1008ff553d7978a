using Cualify.Appliance.Core.Playbooks.Audio;

namespace Cualify.Appliance.Core.Tests.Playbooks;

public sealed class G711Tests
{
    [Fact]
    public void Silence_and_full_scale_have_their_well_known_codes()
    {
        Assert.Equal(0xFF, G711.LinearToUlaw(0));
        Assert.Equal(0x80, G711.LinearToUlaw(short.MaxValue));
        Assert.Equal(0x00, G711.LinearToUlaw(short.MinValue + 1));
        Assert.Equal(0xD5, G711.LinearToAlaw(0));
        Assert.Equal(0xAA, G711.LinearToAlaw(short.MaxValue));
        Assert.Equal(0x2A, G711.LinearToAlaw(short.MinValue));
    }

    [Fact]
    public void Every_code_decodes_and_re_encodes_to_itself()
    {
        for (var code = 0; code < 256; code++)
        {
            Assert.Equal(code == 0x7F ? 0xFF : code, G711.LinearToUlaw(G711.UlawToLinear((byte)code)));
            Assert.Equal(code, G711.LinearToAlaw(G711.AlawToLinear((byte)code)));
        }
    }

    [Fact]
    public void Companding_error_stays_within_the_segment_step()
    {
        for (var sample = -32768; sample <= 32767; sample += 7)
        {
            var pcm = (short)sample;
            var ulawError = Math.Abs(G711.UlawToLinear(G711.LinearToUlaw(pcm)) - pcm);
            var alawError = Math.Abs(G711.AlawToLinear(G711.LinearToAlaw(pcm)) - pcm);
            var bound = Math.Max(16, Math.Abs(sample) / 16);
            Assert.True(ulawError <= bound + 132, $"µ-law error {ulawError} at {sample}");
            Assert.True(alawError <= bound, $"A-law error {alawError} at {sample}");
        }
    }
}
