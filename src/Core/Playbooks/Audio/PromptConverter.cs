namespace Cualify.Appliance.Core.Playbooks.Audio;

/// <summary>A prompt ready for the telephone: 8 kHz mono G.711 in both companding laws.</summary>
public sealed record TelephonePrompt(byte[] Ulaw, byte[] Alaw, string SourceFormat, TimeSpan Duration);

/// <summary>
/// Turns any PCM WAV into 8 kHz mono G.711: decode, mix down, resample, clip, compand. The one converter of the
/// appliance: uploads and synthesised speech both go through it, once, before any call plays them.
/// </summary>
public static class PromptConverter
{
    public const int TelephoneRate = 8000;
    public static readonly TimeSpan MaxDuration = TimeSpan.FromMinutes(10);

    public static TelephonePrompt Convert(ReadOnlySpan<byte> wav) => Convert(wav, MaxDuration);

    public static TelephonePrompt Convert(ReadOnlySpan<byte> wav, TimeSpan maxDuration)
    {
        var decoded = WavDecoder.Decode(wav, maxDuration);
        if (decoded.Samples.Length == 0)
        {
            throw new UnsupportedAudioException("The WAV file holds no samples.");
        }

        var resampled = Resampler.Resample(decoded.Samples, decoded.SampleRate, TelephoneRate);
        var pcm = new short[resampled.Length];
        for (var i = 0; i < resampled.Length; i++)
        {
            pcm[i] = (short)Math.Clamp(Math.Round(resampled[i] * 32767.0), short.MinValue, short.MaxValue);
        }

        return new TelephonePrompt(G711.EncodeUlaw(pcm), G711.EncodeAlaw(pcm), decoded.Description,
            TimeSpan.FromMilliseconds(pcm.Length * 1000L / TelephoneRate));
    }
}
