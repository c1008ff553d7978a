namespace Cualify.Appliance.Dialer.Telephony;

/// <summary>Everything a provider needs to place one call, decided by the dialer beforehand.</summary>
public sealed record CallPlan(
    string CallId,
    string OrgId,
    string ToE164,
    string FromE164,
    string Language,
    PlaybookPlan Playbook,
    TimeSpan EffectiveMaxDuration,
    TimeSpan RingTimeout);

/// <summary>The playbook as a provider plays it.</summary>
/// <param name="AudioPath">The uploaded prompt converted to 8 kHz mono G.711 µ-law (raw, no header), or null.</param>
/// <param name="Dtmf">Digit → action, e.g. <c>"1" → "handoff"</c>, <c>"9" → "opt_out"</c>.</param>
/// <param name="Voicemail"><c>hangup</c> or <c>leave_message</c>.</param>
/// <param name="Heard">What a SIP callee hears, in order, each piece already 8 kHz G.711 in both laws (none: silence).</param>
/// <param name="RecordingFile">Where the call's two-channel WAV goes when the playbook records (null: not recorded).</param>
/// <param name="RecordingNotice">What a recorded call says before the disclosure (the org's notice); null when not recorded.</param>
/// <param name="Agent">The voice agent the conversation is handed to after <paramref name="Heard"/>, or null.</param>
public sealed record PlaybookPlan(
    string Id,
    string Name,
    string Language,
    string? DisclosureText,
    string? MessageText,
    string? AudioPath,
    IReadOnlyDictionary<string, string> Dtmf,
    string? HandoffTarget,
    string Voicemail,
    IReadOnlyList<PromptAudio>? Heard = null,
    string? RecordingFile = null,
    string? RecordingNotice = null,
    AgentStreamPlan? Agent = null,
    string? AudioId = null);

/// <summary>One converted prompt: the same 8 kHz mono audio as raw µ-law and raw A-law files.</summary>
public sealed record PromptAudio(string UlawPath, string AlawPath);

/// <summary>A playbook's voice agent as the dialer reaches it.</summary>
/// <param name="StreamUrl">The agent's <c>wss://</c> (or allowed <c>ws://</c>) Media Streams endpoint.</param>
/// <param name="AuthToken">Sent as <c>Authorization: Bearer</c>, opened from the store; never logged.</param>
/// <param name="CustomParameters">The <c>customParameters</c> of the <c>start</c> message.</param>
/// <param name="Fallback">What the callee hears when the agent cannot be reached (the spoken message), in both laws.</param>
public sealed record AgentStreamPlan(Uri StreamUrl, string? AuthToken, IReadOnlyDictionary<string, string> CustomParameters, IReadOnlyList<PromptAudio> Fallback)
{
    public override string ToString() => $"AgentStreamPlan {{ StreamUrl = {StreamUrl} }}";
}
