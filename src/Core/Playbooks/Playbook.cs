using System.Text.Json;

namespace Cualify.Appliance.Core.Playbooks;

/// <summary>What the dialer plays and how it reacts: the <c>agent_id</c> of a call.</summary>
public sealed class Playbook
{
    public const string Columns = """
        id, org_id, name, language, voice, max_duration_sec, disclosure_text, message_text, audio_id, dtmf, handoff_target,
        voicemail, record, agent_stream_url, agent_auth_token, agent_parameters, created_at, updated_at, deleted_at
        """;

    public string Id { get; init; } = "";

    public string OrgId { get; init; } = "";

    public string Name { get; init; } = "";

    public string Language { get; init; } = "";

    /// <summary>The text-to-speech voice, or null for the first voice of <see cref="Language"/>.</summary>
    public string? Voice { get; init; }

    public int MaxDurationSec { get; init; }

    public string? DisclosureText { get; init; }

    public string? MessageText { get; init; }

    public string? AudioId { get; init; }

    /// <summary>JSON object digit → action.</summary>
    public string Dtmf { get; init; } = "{}";

    public string? HandoffTarget { get; init; }

    public string Voicemail { get; init; } = PlaybookRules.VoicemailHangup;

    /// <summary>Whether its calls are recorded (the org's recording notice is spoken first).</summary>
    public bool Record { get; init; }

    /// <summary>The voice agent's Twilio-Media-Streams WebSocket, or null when the playbook runs no agent.</summary>
    public string? AgentStreamUrl { get; init; }

    /// <summary>The agent's bearer token, sealed (<c>v1:…</c>); open it with the install's SecretProtector.</summary>
    public string? AgentAuthToken { get; init; }

    /// <summary>JSON object name → value sent to the agent as <c>customParameters</c>.</summary>
    public string? AgentParameters { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }

    public bool HasAgent => AgentStreamUrl is not null;

    public IReadOnlyDictionary<string, string> AgentParameterMap => PlaybookAgentJson.Deserialize(AgentParameters);

    public IReadOnlyDictionary<string, string> DtmfMap =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(Dtmf) ?? [];
}

/// <summary>A converted audio prompt of a playbook.</summary>
public sealed class PlaybookAudio
{
    public string Id { get; init; } = "";

    public string OrgId { get; init; } = "";

    public string PlaybookId { get; init; } = "";

    public string SourceFormat { get; init; } = "";

    public long DurationMs { get; init; }

    /// <summary>8 kHz mono G.711 µ-law, raw, relative to the data folder.</summary>
    public string UlawFile { get; init; } = "";

    /// <summary>8 kHz mono G.711 A-law, raw, relative to the data folder.</summary>
    public string AlawFile { get; init; } = "";

    public DateTimeOffset CreatedAt { get; init; }
}
