using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Cualify.Appliance.LocalApi.OpenApi;

/// <summary>
/// An example for every JSON body, built from its schema (so it always matches it) with realistic values for the
/// contract's common fields, so that the docs and generated clients show what a real request and answer look like.
/// </summary>
internal sealed class BodyExamples(OpenApiDocument document)
{
    private const string SampleUuid = "0197a3b2-6c1e-7d3a-9f41-2b8c5e7d9a10";
    private const string SampleTime = "2026-01-31T09:00:00Z";

    /// <summary>Optional request fields left out of examples: they name other resources or future times a reader would not have.</summary>
    private static readonly HashSet<string> OmittedFromRequests = new(StringComparer.Ordinal)
    {
        "audio_id", "contact_id", "not_before", "expires_at", "ip_allowlist", "idempotency_key", "agent",
    };

    private static readonly Dictionary<string, Func<JsonNode>> ByField = new(StringComparer.Ordinal)
    {
        ["name"] = () => "Riya Sharma",
        ["first_name"] = () => "Riya",
        ["last_name"] = () => "Sharma",
        ["email"] = () => "riya@example.com",
        ["emails"] = () => new JsonArray("riya@example.com"),
        ["phone_numbers"] = () => new JsonArray("+919812345678"),
        ["admin_emails"] = () => new JsonArray("ops@example.com"),
        ["language"] = () => "hi-IN",
        ["language_pref"] = () => "hi-IN",
        ["url"] = () => "https://crm.example.com/hooks/cualify",
        ["handoff_target"] = () => "+918041234567",
        ["disclosure_text"] = () => "This is an automated call from Acme Insurance.",
        ["message_text"] = () => "Your policy renews on the 5th. Press 1 to speak to an agent, or 9 to stop these calls.",
        ["dtmf"] = () => new JsonObject { ["1"] = "handoff", ["9"] = "opt_out" },
        ["calling_hours"] = () => "* 9-20 * * 1-6",
        ["sending_window"] = () => "* 9-17 * * 1-5",
        ["max_duration_sec"] = () => 120,
        ["reference"] = () => "invoice 2026-041",
        ["description"] = () => "CRM sync",
        ["notes"] = () => "Prefers mornings",
        ["source"] = () => "crm",
        ["subject"] = () => "Your renewal",
        ["body"] = () => "Hello {{ first_name }}, your policy renews soon.",
        ["amount_paise"] = () => 100000,
        ["limit"] = () => 50,
        ["total"] = () => 1,
        ["key"] = () => "cuk_live_ab12cd34_9fK2mQ7xLp4vR8sT1wY6zB3nH5jD0cEa",
        ["prefix"] = () => "cuk_live_ab12cd34_…",
        ["secret"] = () => "whsec_3q2+7w==",
        ["metadata"] = () => new JsonObject { ["crm_id"] = "HS-1042" },
        ["provider"] = () => "simulator",
        ["provider_call_id"] = () => "sim_4f9c2a7e1b3d4c5a8e6f7a9b0c1d2e3f",
        ["outcome"] = () => "answered",
        ["end_reason"] = () => "remote_hangup",
    };

    public static void AddTo(OpenApiDocument document)
    {
        var examples = new BodyExamples(document);
        foreach (var operation in (document.Paths ?? []).Values.SelectMany(p => p.Operations?.Values.AsEnumerable() ?? []))
        {
            foreach (var media in (operation.RequestBody?.Content ?? new Dictionary<string, OpenApiMediaType>()).Where(m => m.Key.Contains("json", StringComparison.Ordinal)))
            {
                media.Value.Example ??= examples.For(media.Value.Schema, forRequest: true, depth: 0) ?? new JsonObject();
            }

            foreach (var (status, response) in operation.Responses ?? [])
            {
                foreach (var media in (response.Content ?? new Dictionary<string, OpenApiMediaType>()).Where(m => m.Key.Contains("json", StringComparison.Ordinal)))
                {
                    media.Value.Example ??= Error(status) ?? examples.For(media.Value.Schema, forRequest: false, depth: 0);
                }
            }
        }
    }

    private static JsonObject? Error(string status) =>
        int.TryParse(status, CultureInfo.InvariantCulture, out var code) && code >= 400 && ErrorResponses.Meanings.TryGetValue(code, out var meaning)
            ? new JsonObject
            {
                ["error"] = new JsonObject
                {
                    ["code"] = meaning.Code,
                    ["message"] = code == 422 ? "to_e164 must be E.164, e.g. +919812345678" : meaning.Meaning,
                    ["param"] = code is 400 or 422 ? "to_e164" : null,
                    ["details"] = code == 422
                        ? new JsonObject { ["formErrors"] = new JsonArray(), ["fieldErrors"] = new JsonObject { ["to_e164"] = new JsonArray("to_e164 must be E.164, e.g. +919812345678") } }
                        : null,
                },
            }
            : null;

    private JsonNode? For(IOpenApiSchema? schema, bool forRequest, int depth, string? field = null)
    {
        var resolved = Resolve(schema);
        if (resolved is null || depth > 8)
        {
            return null;
        }

        if (resolved.OneOf?.FirstOrDefault(s => Resolve(s)?.Type != JsonSchemaType.Null) is { } choice)
        {
            return For(choice, forRequest, depth + 1, field);
        }

        if (resolved.Enum?.FirstOrDefault(v => v is not null) is { } first)
        {
            return resolved.Type is { } t && t.HasFlag(JsonSchemaType.Array) ? new JsonArray(first.DeepClone()) : first.DeepClone();
        }

        var type = resolved.Type ?? JsonSchemaType.Object;
        if (field is not null && ByField.TryGetValue(field, out var sample) && sample() is var value && Fits(value, type))
        {
            return value;
        }

        if (type.HasFlag(JsonSchemaType.Array))
        {
            var item = For(resolved.Items, forRequest, depth + 1, field);
            return item is null ? new JsonArray() : new JsonArray(item);
        }

        if (type.HasFlag(JsonSchemaType.Object) && (resolved.Properties?.Count > 0 || resolved.AdditionalProperties is not null || resolved.Type is null))
        {
            return Object(resolved, forRequest, depth);
        }

        if (type.HasFlag(JsonSchemaType.String))
        {
            // An answer's optional text with nothing typical to show (llm_*, error, …) is shown as it usually is: null.
            var plain = resolved.Format is null && resolved.Pattern is null;
            return !forRequest && plain && type.HasFlag(JsonSchemaType.Null) ? null : String(resolved, field);
        }

        if (type.HasFlag(JsonSchemaType.Integer) || type.HasFlag(JsonSchemaType.Number))
        {
            return resolved.Minimum is { } min && int.TryParse(min, CultureInfo.InvariantCulture, out var low) && low > 1 ? low : 1;
        }

        return type.HasFlag(JsonSchemaType.Boolean) ? false : null;
    }

    private JsonObject Object(IOpenApiSchema schema, bool forRequest, int depth)
    {
        var result = new JsonObject();
        foreach (var (name, property) in schema.Properties ?? new Dictionary<string, IOpenApiSchema>())
        {
            var required = schema.Required?.Contains(name) == true;
            if (forRequest && !required && OmittedFromRequests.Contains(name))
            {
                continue;
            }

            var value = For(property, forRequest, depth + 1, name);
            if (value is not null || !forRequest)
            {
                result[name] = value;
            }
        }

        if (schema.Properties is not { Count: > 0 } && schema.AdditionalProperties is { } values && For(values, forRequest, depth + 1) is { } one)
        {
            result["key"] = one;
        }

        return result;
    }

    private static JsonNode String(IOpenApiSchema schema, string? field)
    {
        if (schema.Pattern is { } pattern && pattern.Contains("+[1-9]", StringComparison.Ordinal))
        {
            return field == "from_e164" ? "+918041234567" : "+919812345678";
        }

        if (schema.Pattern is { } prefixed && prefixed.StartsWith('^') && prefixed.Contains("_[0-9a-f]", StringComparison.Ordinal))
        {
            return prefixed[1..prefixed.IndexOf('_', StringComparison.Ordinal)] + "_" + SampleUuid.Replace("-", "", StringComparison.Ordinal);
        }

        return schema.Format switch
        {
            "uuid" => SampleUuid,
            "date-time" => SampleTime,
            "binary" => "",
            _ => field ?? "text",
        };
    }

    private static bool Fits(JsonNode value, JsonSchemaType type) => value.GetValueKind() switch
    {
        System.Text.Json.JsonValueKind.String => type.HasFlag(JsonSchemaType.String),
        System.Text.Json.JsonValueKind.Number => type.HasFlag(JsonSchemaType.Integer) || type.HasFlag(JsonSchemaType.Number),
        System.Text.Json.JsonValueKind.Array => type.HasFlag(JsonSchemaType.Array),
        System.Text.Json.JsonValueKind.Object => type.HasFlag(JsonSchemaType.Object),
        _ => false,
    };

    private IOpenApiSchema? Resolve(IOpenApiSchema? schema) =>
        schema is OpenApiSchemaReference reference && reference.Reference.Id is { } id
            && document.Components?.Schemas?.TryGetValue(id, out var target) == true
            ? target
            : schema;
}
