using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Playbooks.Audio;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Dialer.Telephony;

namespace Cualify.Appliance.Dialer.Speech;

/// <summary>
/// What a SIP callee hears, in order: on a recorded playbook the org's recording notice, then the disclosure, spoken,
/// then the uploaded prompt or else the spoken message. A playbook with an agent stops after the disclosure: the agent
/// speaks next, and the message is only its fallback (<see cref="FallbackForAsync"/>).
/// The same list plays on calls and makes the preview, so a user listens to exactly what a callee will. Without
/// <c>uploaded</c> (a playbook being prepared at save) the texts are still synthesised and listed.
/// </summary>
public sealed class HeardPrompts(SpeechCache speech, DataDirectory dataDirectory, OrgStore orgs)
{
    public async Task<IReadOnlyList<PromptAudio>> ForAsync(Playbook playbook, PlaybookAudio? uploaded, CancellationToken cancellationToken)
    {
        var pieces = new List<PromptAudio>();
        if (playbook.Record)
        {
            var org = await orgs.RequireAsync(playbook.OrgId, cancellationToken);
            pieces.Add(await speech.GetAsync(playbook.OrgId, org.EffectiveRecordingNotice, playbook.Language, playbook.Voice, cancellationToken));
        }

        if (!string.IsNullOrWhiteSpace(playbook.DisclosureText))
        {
            pieces.Add(await speech.GetAsync(playbook.OrgId, playbook.DisclosureText, playbook.Language, playbook.Voice, cancellationToken));
        }

        if (!playbook.HasAgent)
        {
            pieces.AddRange(await FallbackForAsync(playbook, uploaded, cancellationToken));
        }

        return pieces;
    }

    /// <summary>What a recorded playbook's calls say first (the org's recording notice); null when the playbook does not record.</summary>
    public async Task<string?> RecordingNoticeAsync(Playbook playbook, CancellationToken cancellationToken) =>
        playbook.Record ? (await orgs.RequireAsync(playbook.OrgId, cancellationToken)).EffectiveRecordingNotice : null;

    /// <summary>The message: the uploaded prompt or else the spoken <c>message_text</c> (what an agent playbook plays when its agent is unreachable).</summary>
    public async Task<IReadOnlyList<PromptAudio>> FallbackForAsync(Playbook playbook, PlaybookAudio? uploaded, CancellationToken cancellationToken)
    {
        if (uploaded is not null)
        {
            return [new PromptAudio(dataDirectory.Combine(uploaded.UlawFile), dataDirectory.Combine(uploaded.AlawFile))];
        }

        if (playbook.AudioId is null && !string.IsNullOrWhiteSpace(playbook.MessageText))
        {
            return [await speech.GetAsync(playbook.OrgId, playbook.MessageText, playbook.Language, playbook.Voice, cancellationToken)];
        }

        return [];
    }

    /// <summary>The preview: the µ-law a PCMU callee receives, decoded to an 8 kHz 16-bit mono WAV.</summary>
    public async Task<byte[]> PreviewWavAsync(Playbook playbook, PlaybookAudio? uploaded, CancellationToken cancellationToken)
    {
        using var ulaw = new MemoryStream();
        foreach (var piece in await ForAsync(playbook, uploaded, cancellationToken))
        {
            await using var file = File.OpenRead(piece.UlawPath);
            await file.CopyToAsync(ulaw, cancellationToken);
        }

        return PcmWav.FromUlaw(ulaw.GetBuffer().AsSpan(0, (int)ulaw.Length));
    }
}
