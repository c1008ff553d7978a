using System.Text.Json;

namespace Cualify.Appliance.Core.Playbooks;

/// <summary>
/// The <c>agent</c> of a playbook as given in a create or update. <see cref="AuthToken"/> is write-only; on an update
/// an omitted token keeps the stored one and <see cref="ClearsAuthToken"/> (sent as JSON null) removes it.
/// </summary>
public sealed record PlaybookAgentInput(
    string? StreamUrl,
    string? AuthToken = null,
    IReadOnlyDictionary<string, string>? Parameters = null,
    bool ClearsAuthToken = false);

/// <summary>The <c>agent</c> of a playbook as the API shows it: the token is never shown, only whether one is set.</summary>
public sealed record PlaybookAgentView(string StreamUrl, IReadOnlyDictionary<string, string> Parameters, bool AuthTokenSet)
{
    public static PlaybookAgentView? From(Playbook p) => p.AgentStreamUrl is null
        ? null
        : new PlaybookAgentView(p.AgentStreamUrl, p.AgentParameterMap, p.AgentAuthToken is not null);
}

internal static class PlaybookAgentJson
{
    public static string? Serialize(IReadOnlyDictionary<string, string>? parameters) =>
        parameters is null ? null : JsonSerializer.Serialize(parameters.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value));

    public static IReadOnlyDictionary<string, string> Deserialize(string? json) =>
        json is null ? new Dictionary<string, string>() : JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [];
}
