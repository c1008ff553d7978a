using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Sequences;

namespace Cualify.Appliance.Relay.Connectors.Inbound;

/// <summary>
/// Maps a CRM's workflow request to a <c>sequences/start</c>: each contact field is read from a path into the
/// payload (<c>options.inbound_mapping</c> overrides the defaults of the CRM's standard fields), and the
/// idempotency key is derived from the connector, the CRM record and the exact payload, so the CRM's retries of one
/// delivery start one enrollment. A HubSpot property may be in the legacy form <c>{"value": …}</c> or plain.
/// </summary>
public static class InboundMapping
{
    public static readonly IReadOnlyDictionary<string, string[]> HubSpotDefaults = new Dictionary<string, string[]>
    {
        ["record_id"] = ["objectId", "vid", "properties.hs_object_id", "id"],
        ["first_name"] = ["properties.firstname"],
        ["last_name"] = ["properties.lastname"],
        ["email"] = ["properties.email"],
        ["phone"] = ["properties.phone", "properties.mobilephone"],
        ["language_pref"] = ["properties.hs_language"],
        ["notes"] = [],
        ["consent_capture"] = [],
    };

    public static readonly IReadOnlyDictionary<string, string[]> ZohoDefaults = new Dictionary<string, string[]>
    {
        ["record_id"] = ["id", "Id", "record_id"],
        ["first_name"] = ["First_Name", "first_name"],
        ["last_name"] = ["Last_Name", "last_name"],
        ["email"] = ["Email", "email"],
        ["phone"] = ["Phone", "Mobile", "phone", "mobile"],
        ["language_pref"] = ["Language", "language"],
        ["notes"] = ["Description", "description"],
        ["consent_capture"] = [],
    };

    public sealed record Mapped(string? RecordId, SequenceStartInput Input);

    /// <summary>Reads the payload: JSON, or a form (Zoho's webhooks can post either).</summary>
    public static JsonNode? Parse(byte[] body, string? contentType)
    {
        if (contentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true)
        {
            var form = new JsonObject();
            foreach (var pair in Encoding.UTF8.GetString(body).Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = pair.Split('=', 2);
                form[Uri.UnescapeDataString(parts[0].Replace('+', ' '))] = parts.Length > 1 ? Uri.UnescapeDataString(parts[1].Replace('+', ' ')) : "";
            }

            return form;
        }

        return JsonNode.Parse(body);
    }

    public static Mapped Map(Connector connector, byte[] body, JsonNode payload)
    {
        var options = connector.ParsedOptions;
        var defaults = connector.Kind == ConnectorKinds.Zoho ? ZohoDefaults : HubSpotDefaults;
        // A HubSpot workflow may send a list of events; the first contact is the one enrolled.
        var root = payload is JsonArray { Count: > 0 } list ? list[0]! : payload;

        string? Field(string name)
        {
            var paths = options.InboundMapping.TryGetValue(name, out var custom) ? [custom] : defaults[name];
            return paths.Select(p => Read(root, p)).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();
        }

        var recordId = Field("record_id");
        var email = Field("email");
        var phone = Field("phone");
        var digest = Convert.ToHexStringLower(SHA256.HashData(body))[..32];
        var key = $"{connector.Kind}:{connector.Id}:{recordId ?? "-"}:{digest}";
        var contact = new SequenceStartContact(
            Field("first_name"),
            Field("last_name"),
            email is null ? [] : [email],
            phone is null ? [] : [phone],
            Field("notes"),
            Field("language_pref"),
            Field("consent_capture"),
            new JsonObject { ["crm"] = connector.Kind, ["crm_record_id"] = recordId });
        return new Mapped(recordId, new SequenceStartInput(options.InboundTemplateId, contact, options.InboundAutoApprove, key));
    }

    private static string? Read(JsonNode? node, string path)
    {
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject obj ? obj[part] : null;
        }

        if (node is JsonObject legacy && legacy["value"] is JsonValue inner)
        {
            node = inner;
        }

        return node is JsonValue value
            ? value.GetValueKind() switch
            {
                JsonValueKind.String => value.GetValue<string>(),
                JsonValueKind.Number => value.ToJsonString(),
                _ => null,
            }
            : null;
    }
}
