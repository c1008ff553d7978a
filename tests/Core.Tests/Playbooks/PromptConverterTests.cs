using Cualify.Appliance.Core.Playbooks.Audio;

namespace Cualify.Appliance.Core.Tests.Playbooks;

public sealed class PromptConverterTests
{
    [Theory]
    [InlineData(8000, 8, 1)]
    [InlineData(16000, 16, 1)]
    [InlineData(44100, 16, 2)]
    [InlineData(48000, 24, 2)]
    [InlineData(22050, 32, 1)]
    [InlineData(11025, 16, 2)]
    [InlineData(32000, 16, 1)]
    [InlineData(33075, 16, 1)]
    public void Any_PCM_WAV_becomes_8_kHz_mono_G711_that_still_carries_the_tone(int rate, int bits, int channels)
    {
        var wav = WavFiles.Tone(rate, bits, channels, frequency: 440, seconds: 1.0);

        var prompt = PromptConverter.Convert(wav);

        Assert.Equal(8000, prompt.Ulaw.Length);
        Assert.Equal(8000, prompt.Alaw.Length);
        Assert.Equal(TimeSpan.FromSeconds(1), prompt.Duration);
        Assert.Contains($"{bits}-bit, {rate} Hz", prompt.SourceFormat);
        var decoded = prompt.Ulaw.Select(G711.UlawToLinear).Select(s => s / 32768.0).ToArray();
        var decodedAlaw = prompt.Alaw.Select(G711.AlawToLinear).Select(s => s / 32768.0).ToArray();
        // A 0.5-amplitude sine has an RMS of about 0.354, and 440 Hz dominates the spectrum.
        Assert.InRange(Rms(decoded[400..7600]), 0.33, 0.37);
        Assert.InRange(Rms(decodedAlaw[400..7600]), 0.33, 0.37);
        Assert.True(Power(decoded, 440) > 50 * Power(decoded, 1000), "the 440 Hz tone must survive conversion");
    }

    [Theory]
    [InlineData(48000, 6000)]
    [InlineData(44100, 5000)]
    [InlineData(32000, 4500)]
    [InlineData(22050, 7000)]
    [InlineData(16000, 6000)]
    public void A_tone_above_4_kHz_is_filtered_out_instead_of_folding_back(int rate, int frequency)
    {
        // Sampled at 8 kHz without the low-pass filters, each tone would alias into the speech band.
        var prompt = PromptConverter.Convert(WavFiles.Tone(rate, 16, 1, frequency: frequency, seconds: 0.5));
        var decoded = prompt.Ulaw.Select(G711.UlawToLinear).Select(s => s / 32768.0).ToArray();
        Assert.True(Rms(decoded[200..3800]) < 0.01, $"aliasing left RMS {Rms(decoded[200..3800])}");
    }

    [Theory]
    [InlineData(48001)]
    [InlineData(96000)]
    [InlineData(384000)]
    public void Sample_rates_above_48_kHz_are_refused_naming_the_limit(int rate)
    {
        var error = Assert.Throws<UnsupportedAudioException>(() => PromptConverter.Convert(WavFiles.Wrap(new byte[rate * 2], rate, 16, 1)));
        Assert.Contains($"{rate} Hz", error.Message);
        Assert.Contains("48000 Hz or lower", error.Message);
    }

    [Fact]
    public void A_prompt_over_ten_minutes_is_refused()
    {
        var error = Assert.Throws<UnsupportedAudioException>(() => PromptConverter.Convert(WavFiles.Wrap(new byte[8000 * 601], 8000, 8, 1)));
        Assert.Contains("601 s", error.Message);
        Assert.Contains("at most 10 minutes", error.Message);
    }

    [Fact]
    public void WAVE_FORMAT_EXTENSIBLE_with_PCM_is_accepted()
    {
        var prompt = PromptConverter.Convert(WavFiles.Tone(16000, 16, 2, 300, 0.25, extensible: true));
        Assert.Equal(2000, prompt.Ulaw.Length);
    }

    [Theory]
    [InlineData(3, "floating point")]
    [InlineData(2, "ADPCM")]
    [InlineData(7, "µ-law")]
    public void Non_PCM_WAV_is_refused_naming_its_format(int formatCode, string named)
    {
        var wav = WavFiles.Wrap(new byte[3200], 8000, formatCode == 3 ? 32 : 8, 1, formatCode: formatCode);
        var error = Assert.Throws<UnsupportedAudioException>(() => PromptConverter.Convert(wav));
        Assert.Contains(named, error.Message);
        Assert.Contains("PCM", error.Message);
    }

    [Fact]
    public void Extensible_float_is_refused_too()
    {
        var wav = WavFiles.Wrap(new byte[3200], 8000, 32, 1, extensible: true, formatCode: 3);
        Assert.Contains("floating point", Assert.Throws<UnsupportedAudioException>(() => PromptConverter.Convert(wav)).Message);
    }

    [Fact]
    public void Something_that_is_not_a_WAV_is_refused()
    {
        var mp3 = new byte[] { 0x49, 0x44, 0x33, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
        Assert.Contains("not a WAV", Assert.Throws<UnsupportedAudioException>(() => PromptConverter.Convert(mp3)).Message);
        Assert.Throws<UnsupportedAudioException>(() => PromptConverter.Convert([]));
    }

    private static double Rms(double[] samples) => Math.Sqrt(samples.Average(s => s * s));

    /// <summary>Power of one frequency (Goertzel), for checking which tone a signal carries.</summary>
    private static double Power(double[] samples, double frequency)
    {
        var coefficient = 2 * Math.Cos(2 * Math.PI * frequency / 8000);
        double previous = 0, beforePrevious = 0;
        foreach (var sample in samples)
        {
            var current = sample + coefficient * previous - beforePrevious;
            beforePrevious = previous;
            previous = current;
        }

        return previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious;
    }
}
