namespace Cualify.Appliance.Dialer.Speech;

/// <summary><c>Speech:*</c>: the local text-to-speech engine SIP calls speak with.</summary>
public sealed class SpeechOptions
{
    public const string Section = "Speech";
    public const string Espeak = "espeak-ng";

    /// <summary>The engine; <c>espeak-ng</c> is the only one.</summary>
    public string Engine { get; set; } = Espeak;

    /// <summary>The espeak-ng program; unset: found on <c>PATH</c>.</summary>
    public string? EspeakPath { get; set; }

    /// <summary>Longest one synthesis may take before it is stopped.</summary>
    public TimeSpan SynthesisTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
