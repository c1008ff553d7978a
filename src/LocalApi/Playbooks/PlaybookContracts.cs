using System.Text.Json;
using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Playbooks;

namespace Cualify.Appliance.LocalApi.Playbooks;

/// <summary><c>POST /playbooks</c>.</summary>
public sealed record CreatePlaybookRequest(
    string? Name,
    string? Language,
    int? MaxDurationSec,
    string? DisclosureText,
    string? MessageText,
    string? AudioId,
    Dictionary<string, string>? Dtmf,
    string? HandoffTarget,
    string? Voicemail,
    string? Voice = null,
    bool? Record = null,
    PlaybookAgentRequest? Agent = null)
{
    public PlaybookInput ToInput() => new(Name, Language, MaxDurationSec, DisclosureText, MessageText, AudioId, Dtmf, HandoffTarget, Voicemail, Voice: Voice, Record: Record,
        Agent: Agent?.ToInput());
}

/// <summary>
/// The <c>agent</c> of a playbook: the voice agent's Twilio-Media-Streams WebSocket (<c>wss://</c>), an optional bearer
/// token (write-only: stored encrypted, never shown again) and parameters passed to the agent as <c>customParameters</c>.
/// </summary>
public sealed record PlaybookAgentRequest(string? StreamUrl, string? AuthToken = null, Dictionary<string, string>? Parameters = null)
{
    public PlaybookAgentInput ToInput() => new(StreamUrl, AuthToken, Parameters);
}

/// <summary>
/// <c>PATCH /playbooks/{id}</c>: only the fields present change; <c>disclosure_text</c>, <c>message_text</c>,
/// <c>audio_id</c>, <c>handoff_target</c>, <c>voice</c> and <c>agent</c> may be sent as null to clear them. An
/// <c>agent</c> object replaces the agent's URL and parameters; its <c>auth_token</c> is kept when omitted and removed
/// when sent as null.
/// </summary>
public static class PlaybookPatch
{
    private static readonly string[] Clearable = ["disclosure_text", "message_text", "audio_id", "handoff_target", "voice", "agent"];

    public static PlaybookInput Parse(JsonObject body)
    {
        var errors = new FieldErrors();
        var clear = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in Clearable)
        {
            if (body.TryGetPropertyValue(field, out var node) && node is null)
            {
                clear.Add(field);
            }
        }

        var input = new PlaybookInput(
            Text(body, "name", errors),
            Text(body, "language", errors),
            Number(body, "max_duration_sec", errors),
            Text(body, "disclosure_text", errors),
            Text(body, "message_text", errors),
            Text(body, "audio_id", errors),
            Map(body, "dtmf", errors),
            Text(body, "handoff_target", errors),
            Text(body, "voicemail", errors),
            clear,
            Text(body, "voice", errors),
            Flag(body, "record", errors),
            Agent(body, errors));
        errors.ThrowIfAny();
        return input;
    }

    private static string? Text(JsonObject body, string field, FieldErrors errors)
    {
        if (!body.TryGetPropertyValue(field, out var node) || node is null)
        {
            return null;
        }

        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            return value.GetValue<string>();
        }

        errors.Add(field, $"{field} must be a string");
        return null;
    }

    private static PlaybookAgentInput? Agent(JsonObject body, FieldErrors errors)
    {
        if (!body.TryGetPropertyValue("agent", out var node) || node is null)
        {
            return null;
        }

        if (node is not JsonObject agent)
        {
            errors.Add("agent", "agent must be an object such as {\"stream_url\":\"wss://agent.example.com/media\"}");
            return null;
        }

        var clearsToken = agent.TryGetPropertyValue("auth_token", out var token) && token is null;
        var parameters = Map(agent, "parameters", errors, "agent.parameters");
        return new PlaybookAgentInput(Text(agent, "stream_url", errors), Text(agent, "auth_token", errors), parameters, clearsToken);
    }

    private static bool? Flag(JsonObject body, string field, FieldErrors errors)
    {
        if (!body.TryGetPropertyValue(field, out var node) || node is null)
        {
            return null;
        }

        if (node is JsonValue value && value.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetValue<bool>();
        }

        errors.Add(field, $"{field} must be true or false");
        return null;
    }

    private static int? Number(JsonObject body, string field, FieldErrors errors)
    {
        if (!body.TryGetPropertyValue(field, out var node) || node is null)
        {
            return null;
        }

        if (node is JsonValue value && value.TryGetValue<int>(out var number))
        {
            return number;
        }

        errors.Add(field, $"{field} must be a whole number");
        return null;
    }

    private static Dictionary<string, string>? Map(JsonObject body, string field, FieldErrors errors, string? named = null)
    {
        if (!body.TryGetPropertyValue(field, out var node) || node is null)
        {
            return null;
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is JsonObject entries)
        {
            foreach (var (key, value) in entries)
            {
                if (value is JsonValue text && text.GetValueKind() == JsonValueKind.String)
                {
                    map[key] = text.GetValue<string>();
                }
                else if (named is not null)
                {
                    errors.Add(named, $"{named}['{key}'] must be a string");
                }
                else
                {
                    errors.Add(field, $"{field}['{key}'] must be a string action such as \"handoff\" or \"opt_out\"");
                }
            }

            return map;
        }

        errors.Add(named ?? field, named is null
            ? $"{field} must be an object of digit → action, e.g. {{\"1\":\"handoff\",\"9\":\"opt_out\"}}"
            : $"{named} must be an object of name → string value");
        return null;
    }
}
