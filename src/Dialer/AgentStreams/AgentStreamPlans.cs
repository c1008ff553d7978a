using System.Text.Json;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Dialer.Telephony;

namespace Cualify.Appliance.Dialer.AgentStreams;

/// <summary>How a call's agent is reached: the playbook's URL and opened token, and the <c>customParameters</c> it is sent.</summary>
public static class AgentStreamPlans
{
    /// <summary>
    /// The playbook's <c>parameters</c>, then <c>call_id</c>, <c>contact_id</c>, <c>to_e164</c>, <c>language</c>, and each
    /// top-level key of the call's metadata (strings as they are, anything else JSON-encoded). The call's own fields win
    /// over a playbook parameter of the same name.
    /// </summary>
    public static IReadOnlyDictionary<string, string> CustomParameters(Playbook playbook, Call call)
    {
        var parameters = new Dictionary<string, string>(playbook.AgentParameterMap, StringComparer.Ordinal);
        using (var metadata = JsonDocument.Parse(string.IsNullOrWhiteSpace(call.Metadata) ? "{}" : call.Metadata))
        {
            if (metadata.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in metadata.RootElement.EnumerateObject())
                {
                    parameters[field.Name] = field.Value.ValueKind == JsonValueKind.String ? field.Value.GetString()! : field.Value.GetRawText();
                }
            }
        }

        parameters["call_id"] = call.Id;
        parameters["contact_id"] = call.ContactId ?? "";
        parameters["to_e164"] = call.ToE164 ?? "";
        parameters["language"] = call.Language;
        return parameters;
    }

    public static AgentStreamPlan For(Playbook playbook, Call call, string? authToken, IReadOnlyList<PromptAudio> fallback) =>
        new(new Uri(playbook.AgentStreamUrl!), authToken, CustomParameters(playbook, call), fallback);
}
