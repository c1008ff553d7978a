using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Dialer.Sip;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Dialer.Speech;

/// <summary>
/// The dialer's side of saving a playbook when calls go out over SIP (other providers speak text themselves): a
/// language no installed voice speaks is refused at save, and the texts are synthesised right after, off any call.
/// </summary>
public sealed class PlaybookSpeech(EspeakEngine engine, HeardPrompts heard, IOptions<DialerOptions> dialer, ILogger<PlaybookSpeech> logger)
    : IPlaybookSpeech
{
    private bool Speaks => string.Equals(dialer.Value.Provider, SipTelephonyProvider.ProviderName, StringComparison.OrdinalIgnoreCase);

    public async Task CheckVoiceAsync(string language, string? voice, CancellationToken cancellationToken)
    {
        if (!Speaks)
        {
            return;
        }

        string? chosen;
        try
        {
            chosen = await engine.VoiceForAsync(language, voice, cancellationToken);
        }
        catch (SpeechException ex)
        {
            throw new FieldErrors().Add(voice is null ? "language" : "voice", ex.Message).ToException();
        }

        if (chosen is null)
        {
            throw voice is null
                ? new FieldErrors().Add("language", $"No text-to-speech voice speaks {language}; pick another language, or name an installed voice in voice (espeak-ng --voices lists them)").ToException()
                : new FieldErrors().Add("voice", $"The text-to-speech voice '{voice}' is not installed; espeak-ng --voices lists the installed ones").ToException();
        }
    }

    public async Task PrepareAsync(Playbook playbook, CancellationToken cancellationToken)
    {
        if (!Speaks)
        {
            return;
        }

        try
        {
            await heard.ForAsync(playbook, uploaded: null, cancellationToken);
            await heard.FallbackForAsync(playbook, uploaded: null, cancellationToken);
        }
        catch (SpeechException ex)
        {
            logger.LogWarning("Playbook {PlaybookId}: its texts could not be synthesised yet ({Detail}); the first call will try again", playbook.Id, ex.Message);
        }
    }
}
