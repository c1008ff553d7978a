using System.Security.Cryptography;
using System.Text;
using Cualify.Appliance.Core.Metrics;
using Cualify.Appliance.Core.Playbooks.Audio;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Dialer.Telephony;

namespace Cualify.Appliance.Dialer.Speech;

/// <summary>
/// Spoken texts, synthesised once and kept as 8 kHz G.711 (both laws, raw) in <c>&lt;data-dir&gt;/speech/</c>, named
/// by a digest of (text, language, voice): a campaign of ten thousand calls synthesises each prompt once, and a restart
/// keeps the cache. A file appears under its final name only once complete.
/// </summary>
public sealed class SpeechCache(EspeakEngine engine, AudioConversionQueue conversions, DataDirectory dataDirectory, ApplianceMetrics metrics)
{
    /// <summary>Speech is bounded by the text limits (20,000 characters), so it may run longer than an upload.</summary>
    public static readonly TimeSpan MaxSpeech = TimeSpan.FromMinutes(40);

    private readonly SemaphoreSlim _synthesis = new(1, 1);
    private readonly Counter _lookups = metrics.Counter("cualify_speech_cache_total", "Spoken-text lookups by result (hit: already synthesised)", "result");

    /// <summary>The text spoken in the playbook's voice; throws <see cref="SpeechException"/> when it cannot be.</summary>
    public async Task<PromptAudio> GetAsync(string orgId, string text, string language, string? voice, CancellationToken cancellationToken)
    {
        var chosen = await engine.VoiceForAsync(language, voice, cancellationToken)
            ?? throw new SpeechException(voice is null ? $"espeak-ng has no voice for the language {language}." : $"espeak-ng has no voice '{voice}'.");
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{text}\n{language}\n{chosen}")))[..40];
        var prompt = new PromptAudio(dataDirectory.Combine("speech", key + ".ulaw"), dataDirectory.Combine("speech", key + ".alaw"));
        if (IsComplete(prompt))
        {
            _lookups.Inc("hit");
            return prompt;
        }

        await _synthesis.WaitAsync(cancellationToken);
        try
        {
            if (IsComplete(prompt))
            {
                _lookups.Inc("hit");
                return prompt;
            }

            _lookups.Inc("miss");
            var wav = await engine.SynthesizeAsync(text, chosen, cancellationToken);
            TelephonePrompt converted;
            try
            {
                converted = await conversions.RunAsync(orgId, () => PromptConverter.Convert(wav, MaxSpeech), cancellationToken);
            }
            catch (UnsupportedAudioException ex)
            {
                throw new SpeechException($"espeak-ng's audio could not be converted: {ex.Message}");
            }

            Directory.CreateDirectory(dataDirectory.Combine("speech"));
            await WriteAtomicallyAsync(prompt.AlawPath, converted.Alaw, cancellationToken);
            await WriteAtomicallyAsync(prompt.UlawPath, converted.Ulaw, cancellationToken);
            return prompt;
        }
        finally
        {
            _synthesis.Release();
        }
    }

    private static bool IsComplete(PromptAudio prompt) => File.Exists(prompt.UlawPath) && File.Exists(prompt.AlawPath);

    private static async Task WriteAtomicallyAsync(string path, byte[] bytes, CancellationToken cancellationToken)
    {
        var partial = path + ".partial";
        await File.WriteAllBytesAsync(partial, bytes, cancellationToken);
        File.Move(partial, path, overwrite: true);
    }
}
