using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Dialer.Speech;

/// <summary>
/// Runs <c>espeak-ng</c>: lists its voices and turns text into a WAV (22.05 kHz mono PCM). The text goes in on standard
/// input, never on the command line, so nothing in it is read as an option; markup is off.
/// </summary>
public sealed class EspeakEngine(IOptions<SpeechOptions> options, TimeProvider time)
{
    public const string InstallHint = "install espeak-ng (Debian/Ubuntu: apt-get install espeak-ng; Windows: the espeak-ng installer from its GitHub releases) or set Speech:EspeakPath";

    private readonly ConcurrentDictionary<string, string?> _voiceForLanguage = new(StringComparer.OrdinalIgnoreCase);
    private IReadOnlyList<EspeakVoice>? _voices;

    /// <summary>The program that will run, or null when it is neither at <c>Speech:EspeakPath</c> nor on <c>PATH</c>.</summary>
    public string? FindProgram()
    {
        if (options.Value.EspeakPath is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? Path.GetFullPath(configured) : null;
        }

        var names = OperatingSystem.IsWindows() ? new[] { "espeak-ng.exe" } : ["espeak-ng"];
        return (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(folder => names.Select(name => Path.Combine(folder, name)))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// The voice to speak with: <paramref name="voice"/> when espeak-ng has it (by language code, name or file), else the
    /// first installed voice espeak-ng offers for <paramref name="language"/>; null when there is none.
    /// </summary>
    public async Task<string?> VoiceForAsync(string language, string? voice, CancellationToken cancellationToken)
    {
        if (voice is not null)
        {
            var voices = _voices ??= EspeakVoice.Parse(await RunAsync(["--voices"], null, cancellationToken));
            return voices.Any(v => v.Matches(voice)) ? voice : null;
        }

        if (_voiceForLanguage.TryGetValue(language, out var known))
        {
            return known;
        }

        var offered = EspeakVoice.Parse(await RunAsync([$"--voices={language.ToLowerInvariant()}"], null, cancellationToken));
        var chosen = offered.FirstOrDefault(v => v.IsInstalledVoice)?.Language;
        _voiceForLanguage[language] = chosen;
        return chosen;
    }

    /// <summary>The text spoken in <paramref name="voice"/>, as the bytes of a WAV file.</summary>
    public async Task<byte[]> SynthesizeAsync(string text, string voice, CancellationToken cancellationToken) =>
        await RunAsync(["-v", voice, "--stdout"], text, cancellationToken);

    private async Task<byte[]> RunAsync(IReadOnlyList<string> arguments, string? input, CancellationToken cancellationToken)
    {
        var program = FindProgram() ?? throw new SpeechException($"Text-to-speech needs espeak-ng, which was not found: {InstallHint}.");
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var timeout = new CancellationTokenSource(options.Value.SynthesisTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var process = Process.Start(start) ?? throw new SpeechException($"espeak-ng ({program}) could not be started.");
        try
        {
            var output = new MemoryStream();
            var reading = process.StandardOutput.BaseStream.CopyToAsync(output, linked.Token);
            var errors = process.StandardError.ReadToEndAsync(linked.Token);
            await process.StandardInput.WriteAsync(input ?? "");
            process.StandardInput.Close();
            await Task.WhenAll(reading, errors);
            await process.WaitForExitAsync(linked.Token);
            if (process.ExitCode != 0)
            {
                throw new SpeechException($"espeak-ng failed (exit {process.ExitCode}): {(await errors).Trim()}");
            }

            return output.ToArray();
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new SpeechException($"espeak-ng took longer than {options.Value.SynthesisTimeout.TotalSeconds:0} s and was stopped.");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}

/// <summary>One row of <c>espeak-ng --voices</c>: priority, language, age/gender, name, file, other languages.</summary>
internal sealed record EspeakVoice(string Language, string Name, string File)
{
    /// <summary>Not an MBROLA voice (needs a separate synthesiser and data) nor a variant (a modifier, not a voice).</summary>
    public bool IsInstalledVoice => !File.StartsWith("mb/", StringComparison.Ordinal) && !File.StartsWith("!v/", StringComparison.Ordinal);

    public bool Matches(string voice) =>
        IsInstalledVoice && (string.Equals(voice, Language, StringComparison.OrdinalIgnoreCase)
            || string.Equals(voice, Name, StringComparison.OrdinalIgnoreCase)
            || string.Equals(voice, File, StringComparison.OrdinalIgnoreCase));

    public static IReadOnlyList<EspeakVoice> Parse(byte[] listing) =>
        System.Text.Encoding.UTF8.GetString(listing)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(columns => columns.Length >= 5)
            .Select(columns => new EspeakVoice(columns[1], columns[3], columns[4]))
            .ToList();
}
