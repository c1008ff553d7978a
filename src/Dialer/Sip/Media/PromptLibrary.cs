using System.Collections.Concurrent;
using Cualify.Appliance.Dialer.Sip.Sdp;

namespace Cualify.Appliance.Dialer.Sip.Media;

/// <summary>
/// Loads playbook prompts (raw 8 kHz µ-law files, as the dialer stores uploads) once and keeps them in memory in
/// both G.711 laws, so a thousand calls of one playbook share one copy. A changed file is reloaded.
/// </summary>
public sealed class PromptLibrary
{
    private const int MaxEntries = 64;
    private readonly ConcurrentDictionary<(string Path, AudioCodec Codec), (DateTime Written, long Length, byte[] Audio)> _cache = new();

    /// <summary>The prompt in <paramref name="codec"/>'s law; empty when there is no prompt. Throws <see cref="IOException"/> when it cannot be read.</summary>
    public async Task<byte[]> LoadAsync(string? path, AudioCodec codec, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return [];
        }

        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException("The playbook prompt is missing.", path);
        }

        var key = (info.FullName, codec);
        if (_cache.TryGetValue(key, out var cached) && cached.Written == info.LastWriteTimeUtc && cached.Length == info.Length)
        {
            return cached.Audio;
        }

        var muLaw = await File.ReadAllBytesAsync(info.FullName, cancellationToken);
        var audio = codec == AudioCodec.Pcma ? G711.MuLawToALaw(muLaw) : muLaw;
        if (_cache.Count >= MaxEntries)
        {
            _cache.Clear();
        }

        _cache[key] = (info.LastWriteTimeUtc, info.Length, audio);
        return audio;
    }
}
