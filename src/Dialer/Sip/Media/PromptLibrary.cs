using System.Collections.Concurrent;
using Cualify.Appliance.Dialer.Sip.Sdp;
using Cualify.Appliance.Dialer.Telephony;

namespace Cualify.Appliance.Dialer.Sip.Media;

/// <summary>
/// Loads what a call plays (the converted prompt files, in the law the call negotiated: nothing is converted here)
/// once and keeps it in memory, so a thousand calls of one playbook share one copy. A changed file is reloaded.
/// </summary>
public sealed class PromptLibrary
{
    private const int MaxEntries = 64;
    private readonly ConcurrentDictionary<string, (string Stamp, byte[] Audio)> _cache = new(StringComparer.Ordinal);

    /// <summary>
    /// The pieces one after another in <paramref name="codec"/>'s law; empty when there are none. Throws
    /// <see cref="IOException"/> when a file cannot be read.
    /// </summary>
    public async Task<byte[]> LoadAsync(IReadOnlyList<PromptAudio>? pieces, AudioCodec codec, CancellationToken cancellationToken)
    {
        if (pieces is null || pieces.Count == 0)
        {
            return [];
        }

        var files = pieces.Select(piece => new FileInfo(codec == AudioCodec.Pcma ? piece.AlawPath : piece.UlawPath)).ToList();
        foreach (var file in files.Where(file => !file.Exists))
        {
            throw new FileNotFoundException("A prompt of the playbook is missing.", file.FullName);
        }

        var key = string.Join('\n', files.Select(file => file.FullName));
        var stamp = string.Join('\n', files.Select(file => $"{file.LastWriteTimeUtc.Ticks}:{file.Length}"));
        if (_cache.TryGetValue(key, out var cached) && cached.Stamp == stamp)
        {
            return cached.Audio;
        }

        using var audio = new MemoryStream();
        foreach (var file in files)
        {
            await using var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 16 * 1024, useAsync: true);
            await stream.CopyToAsync(audio, cancellationToken);
        }

        if (_cache.Count >= MaxEntries)
        {
            _cache.Clear();
        }

        var loaded = audio.ToArray();
        _cache[key] = (stamp, loaded);
        return loaded;
    }
}
