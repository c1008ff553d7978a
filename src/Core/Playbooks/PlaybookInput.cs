using System.Text.Json;

namespace Cualify.Appliance.Core.Playbooks;

/// <summary>
/// Fields of a playbook create or update; null means "not given". For nullable fields that an update may clear,
/// <see cref="Clear"/> names the ones sent as JSON null.
/// </summary>
public sealed record PlaybookInput(
    string? Name = null,
    string? Language = null,
    int? MaxDurationSec = null,
    string? DisclosureText = null,
    string? MessageText = null,
    string? AudioId = null,
    IReadOnlyDictionary<string, string>? Dtmf = null,
    string? HandoffTarget = null,
    string? Voicemail = null,
    IReadOnlySet<string>? Clear = null,
    string? Voice = null,
    bool? Record = null,
    PlaybookAgentInput? Agent = null)
{
    public bool Clears(string field) => Clear?.Contains(field) == true;
}

/// <summary>A playbook as the API shows it.</summary>
public sealed record PlaybookView(
    string Id,
    string Name,
    string Language,
    string? Voice,
    int MaxDurationSec,
    string? DisclosureText,
    string? MessageText,
    string? AudioId,
    IReadOnlyDictionary<string, string> Dtmf,
    string? HandoffTarget,
    string Voicemail,
    bool Record,
    PlaybookAgentView? Agent,
    PlaybookAudioView? Audio,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static PlaybookView From(Playbook p, PlaybookAudio? audio) => new(
        p.Id, p.Name, p.Language, p.Voice, p.MaxDurationSec, p.DisclosureText, p.MessageText, p.AudioId, p.DtmfMap, p.HandoffTarget, p.Voicemail, p.Record, PlaybookAgentView.From(p),
        audio is null ? null : PlaybookAudioView.From(audio), p.CreatedAt, p.UpdatedAt);
}

public sealed record PlaybookAudioView(string Id, string SourceFormat, long DurationMs, int SampleRate, IReadOnlyList<string> Encodings, DateTimeOffset CreatedAt)
{
    public static PlaybookAudioView From(PlaybookAudio a) => new(a.Id, a.SourceFormat, a.DurationMs, 8000, ["pcmu", "pcma"], a.CreatedAt);
}

internal static class PlaybookJson
{
    public static string Serialize(IReadOnlyDictionary<string, string> dtmf) =>
        JsonSerializer.Serialize(dtmf.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value));
}
