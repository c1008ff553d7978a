using Cualify.Appliance.Core.Health;

namespace Cualify.Appliance.Dialer.Speech;

/// <summary>
/// <c>doctor</c>'s <c>speech</c> line (when calls go out over SIP, which speaks texts itself): espeak-ng is at
/// <c>Speech:EspeakPath</c> or on <c>PATH</c> and lists its voices.
/// </summary>
public sealed class SpeechDoctorCheck(EspeakEngine engine) : IDoctorCheck
{
    public string Name => "speech";

    public async Task<DoctorResult> RunAsync(CancellationToken cancellationToken)
    {
        if (engine.FindProgram() is not { } program)
        {
            return DoctorResult.Fail("espeak-ng not found: SIP calls cannot speak playbook texts", EspeakEngine.InstallHint);
        }

        try
        {
            var english = await engine.VoiceForAsync("en", null, cancellationToken);
            return english is null
                ? DoctorResult.Warn($"espeak-ng at {program} lists no English voice", "reinstall espeak-ng with its voice data (Debian: espeak-ng-data)")
                : DoctorResult.Ok($"espeak-ng at {program}");
        }
        catch (SpeechException ex)
        {
            return DoctorResult.Fail(ex.Message, EspeakEngine.InstallHint);
        }
    }
}
