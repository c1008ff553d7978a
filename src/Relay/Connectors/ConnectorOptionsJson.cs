using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Errors;

namespace Cualify.Appliance.Relay.Connectors;

/// <summary>
/// A connector's <c>options</c> (SPEC §7), read from the JSON the admin sent with the contract's defaults filled in.
/// Unknown fields are refused, so a typo never silently falls back to a default.
/// </summary>
public sealed record ConnectorOptionsJson(
    string ApiVersion,
    string BaseUrl,
    bool CreateContacts,
    string? OptOutProperty,
    string? InboundTemplateId,
    bool InboundAutoApprove,
    IReadOnlyDictionary<string, string> InboundMapping,
    string? AccountsUrl,
    string TimeZone,
    string? ExternalIdField,
    string CreateAs,
    int Concurrency)
{
    public const string DefaultHubSpotVersion = "2026-09";
    public const string DefaultHubSpotBaseUrl = "https://api.hubapi.com";

    private static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        "api_version", "base_url", "create_contacts", "opt_out_property", "inbound_template_id", "inbound_auto_approve", "inbound_mapping",
        "accounts_url", "time_zone", "external_id_field", "create_as", "concurrency",
    };

    public static ConnectorOptionsJson Parse(string json) => Read(JsonNode.Parse(json) as JsonObject ?? [], null);

    /// <summary>Reads and checks options sent by an admin; problems go to <paramref name="errors"/> under <c>options.&lt;field&gt;</c>.</summary>
    public static ConnectorOptionsJson Read(JsonObject options, FieldErrors? errors)
    {
        foreach (var (name, _) in options.Where(p => !Known.Contains(p.Key)))
        {
            errors?.Add($"options.{name}", $"'{name}' is not a connector option; known: {string.Join(", ", Known.Order())}");
        }

        string? Text(string name)
        {
            var node = options[name];
            if (node is null)
            {
                return null;
            }

            if (node is JsonValue value && value.TryGetValue<string>(out var text))
            {
                return string.IsNullOrWhiteSpace(text) ? null : text.Trim();
            }

            errors?.Add($"options.{name}", $"options.{name} must be a string");
            return null;
        }

        bool Flag(string name, bool fallback)
        {
            var node = options[name];
            if (node is null)
            {
                return fallback;
            }

            if (node is JsonValue value && value.TryGetValue<bool>(out var flag))
            {
                return flag;
            }

            errors?.Add($"options.{name}", $"options.{name} must be true or false");
            return fallback;
        }

        var mapping = new Dictionary<string, string>(StringComparer.Ordinal);
        if (options["inbound_mapping"] is JsonObject map)
        {
            foreach (var (field, path) in map)
            {
                if (path is JsonValue v && v.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text))
                {
                    mapping[field] = text.Trim();
                }
                else
                {
                    errors?.Add($"options.inbound_mapping.{field}", "each inbound_mapping entry must be a path into the CRM's payload, e.g. \"properties.email\"");
                }
            }
        }
        else if (options["inbound_mapping"] is not null)
        {
            errors?.Add("options.inbound_mapping", "options.inbound_mapping must be an object of field → payload path");
        }

        var concurrency = 5;
        if (options["concurrency"] is JsonValue c)
        {
            if (!c.TryGetValue<int>(out concurrency) || concurrency is < 1 or > 20)
            {
                errors?.Add("options.concurrency", "options.concurrency must be a whole number from 1 to 20");
                concurrency = 5;
            }
        }

        var baseUrl = Text("base_url") ?? DefaultHubSpotBaseUrl;
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
        {
            errors?.Add("options.base_url", "options.base_url must be an absolute http(s) URL such as https://api.hubapi.com");
        }

        var version = Text("api_version") ?? DefaultHubSpotVersion;
        if (!System.Text.RegularExpressions.Regex.IsMatch(version, @"^\d{4}-\d{2}$"))
        {
            errors?.Add("options.api_version", "options.api_version must be a HubSpot date version such as 2026-09");
        }

        var createAs = Text("create_as") ?? "Leads";
        if (createAs is not ("Leads" or "Contacts"))
        {
            errors?.Add("options.create_as", "options.create_as must be Leads or Contacts");
        }

        var timeZone = Text("time_zone") ?? "UTC";
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out _))
        {
            errors?.Add("options.time_zone", $"options.time_zone '{timeZone}' is not a known IANA time zone such as Asia/Kolkata");
        }

        var templateId = Text("inbound_template_id");
        return new ConnectorOptionsJson(
            version,
            baseUrl.TrimEnd('/'),
            Flag("create_contacts", true),
            Text("opt_out_property"),
            templateId,
            Flag("inbound_auto_approve", false),
            mapping,
            Text("accounts_url")?.TrimEnd('/'),
            timeZone,
            Text("external_id_field"),
            createAs,
            concurrency);
    }
}
