using System.Net;
using Cualify.Appliance.Core.Errors;

namespace Cualify.Appliance.Core.Playbooks;

/// <summary>
/// What a valid <c>agent</c> looks like: a <c>wss://</c> stream URL (plain <c>ws://</c> only to loopback and to the
/// hosts named in <c>Dialer:AgentStreamAllowWsHosts</c>, for an agent on the same box or a trusted LAN), a token of
/// printable characters, and string parameters with short names.
/// </summary>
public static class AgentStreamRules
{
    public const int MaxUrlLength = 2048;
    public const int MaxTokenLength = 4096;
    public const int MaxParameters = 50;
    public const int MaxParameterNameLength = 100;
    public const int MaxParameterValueLength = 1000;

    public static void Check(FieldErrors errors, PlaybookAgentInput agent, IReadOnlyCollection<string> allowWsHosts)
    {
        if (CheckUrl(agent.StreamUrl, allowWsHosts) is { } urlProblem)
        {
            errors.Add("agent.stream_url", urlProblem);
        }

        if (agent.AuthToken is { } token && (token.Length is 0 or > MaxTokenLength || token.Any(c => c < 0x21 || c > 0x7e)))
        {
            errors.Add("agent.auth_token", $"agent.auth_token must be 1 to {MaxTokenLength} printable characters without spaces");
        }

        var parameters = agent.Parameters ?? new Dictionary<string, string>();
        if (parameters.Count > MaxParameters)
        {
            errors.Add("agent.parameters", $"agent.parameters may hold at most {MaxParameters} entries");
        }

        foreach (var (name, value) in parameters)
        {
            if (name.Length is 0 or > MaxParameterNameLength)
            {
                errors.Add("agent.parameters", $"agent.parameters names must be 1 to {MaxParameterNameLength} characters");
            }
            else if (value.Length > MaxParameterValueLength)
            {
                errors.Add("agent.parameters", $"agent.parameters['{name}'] must be at most {MaxParameterValueLength} characters");
            }
        }
    }

    /// <summary>Why <paramref name="url"/> cannot be an agent's stream URL, or null when it can.</summary>
    public static string? CheckUrl(string? url, IReadOnlyCollection<string> allowWsHosts)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "agent.stream_url is required, e.g. wss://agent.example.com/media";
        }

        if (url.Length > MaxUrlLength)
        {
            return $"agent.stream_url must be at most {MaxUrlLength} characters";
        }

        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("wss" or "ws") || string.IsNullOrEmpty(uri.Host))
        {
            return "agent.stream_url must be an absolute wss:// URL such as wss://agent.example.com/media";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "agent.stream_url must not carry a user name or password; use agent.auth_token";
        }

        if (!string.IsNullOrEmpty(uri.Fragment))
        {
            return "agent.stream_url must not have a #fragment";
        }

        var host = uri.IdnHost.TrimEnd('.');
        if (uri.Scheme == "ws" && !IsLoopback(host) && !allowWsHosts.Any(h => string.Equals(h.Trim().TrimEnd('.'), host, StringComparison.OrdinalIgnoreCase)))
        {
            return $"agent.stream_url must use wss; plain ws is allowed only to loopback and to hosts listed in Dialer:AgentStreamAllowWsHosts ({host} is not)";
        }

        return null;
    }

    private static bool IsLoopback(string host) =>
        IPAddress.TryParse(host.Trim('[', ']'), out var address)
            ? IPAddress.IsLoopback(address)
            : host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
}
