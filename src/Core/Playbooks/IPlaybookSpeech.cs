namespace Cualify.Appliance.Core.Playbooks;

/// <summary>
/// Speaking a playbook's texts, as the dialer's text-to-speech does it: the playbook store asks before saving whether a
/// voice speaks the language, and after saving has the texts synthesised so no call waits for them.
/// </summary>
public interface IPlaybookSpeech
{
    /// <summary>Throws a field error (<c>voice</c> or <c>language</c>) when no voice can speak the playbook's texts.</summary>
    Task CheckVoiceAsync(string language, string? voice, CancellationToken cancellationToken);

    /// <summary>Synthesises and caches what the playbook will say; a failure is logged and retried when a call needs it.</summary>
    Task PrepareAsync(Playbook playbook, CancellationToken cancellationToken);
}

/// <summary>No local speech (an appliance without a dialer, such as a bare Core host): nothing to check or prepare.</summary>
public sealed class NoPlaybookSpeech : IPlaybookSpeech
{
    public Task CheckVoiceAsync(string language, string? voice, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task PrepareAsync(Playbook playbook, CancellationToken cancellationToken) => Task.CompletedTask;
}
