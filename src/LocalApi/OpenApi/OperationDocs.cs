using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using Scope = Cualify.Appliance.Core.ApiKeys.Scope;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.LocalApi.Auth;
using Cualify.Appliance.LocalApi.Idempotency;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Cualify.Appliance.LocalApi.OpenApi;

/// <summary>
/// Per operation: a stable operationId, who may call it (scope, or no key), the parameters as the API reads them
/// (types, ranges, enums, id formats), the Idempotency-Key header where it is honoured, and what each error means.
/// </summary>
internal static class OperationDocs
{
    public static async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var metadata = description.ActionDescriptor.EndpointMetadata;
        var path = "/" + (description.RelativePath ?? "").TrimStart('/');
        var method = description.HttpMethod ?? "GET";
        var tag = operation.Tags?.FirstOrDefault()?.Name ?? "Appliance";

        operation.OperationId = OperationId(tag, method, path, metadata.OfType<MethodInfo>().FirstOrDefault());
        DescribeAccess(operation, path, method, metadata);
        DescribeParameters(operation, path);
        if (metadata.OfType<Idempotent>().Any())
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "Idempotency-Key",
                In = ParameterLocation.Header,
                Required = false,
                Description = "Any unique string (e.g. a UUID). A repeat with the same key and body returns the original response (Idempotent-Replayed: true); the same key with another body is 409 conflict. Keys are kept at least 24 h.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 255 },
            });
        }

        if (metadata.OfType<PartialBodyOf>().LastOrDefault() is { } partial
            && operation.RequestBody?.Content?.TryGetValue("application/json", out var media) == true)
        {
            var shape = await context.GetOrCreateSchemaAsync(partial.Shape, null, cancellationToken);
            media.Schema = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Properties = shape.Properties,
                Description = "Only the fields to change; null clears an optional field.",
            };
        }

        foreach (var (code, response) in operation.Responses ?? [])
        {
            if (int.TryParse(code, CultureInfo.InvariantCulture, out var status) && ErrorResponses.Meanings.TryGetValue(status, out var meaning)
                && response is OpenApiResponse concrete)
            {
                concrete.Description = $"{meaning.Code}: {meaning.Meaning}";
            }
        }
    }

    private static string OperationId(string tag, string method, string path, MethodInfo? handler)
    {
        var name = handler?.Name;
        if (name is null || name.Contains('<', StringComparison.Ordinal))
        {
            var words = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(w => w is not "api" and not "v1").Select(w => w.Trim('{', '}'));
            return method.ToLowerInvariant() + string.Concat(words.Select(Pascal));
        }

        var verb = name.EndsWith("Async", StringComparison.Ordinal) ? name[..^5] : name;
        return char.ToLowerInvariant(verb[0]) + verb[1..] + string.Concat(tag.Split(' ').Select(Pascal));
    }

    private static string Pascal(string word) =>
        string.Concat(word.Split('-', '_').Where(w => w.Length > 0).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    private static void DescribeAccess(OpenApiOperation operation, string path, string method, IList<object> metadata)
    {
        var isApi = path.StartsWith(ApiKeyMiddleware.ApiPrefix, StringComparison.Ordinal);
        string access;
        if (!isApi || metadata.OfType<PublicEndpoint>().Any())
        {
            operation.Security = [];
            access = "No API key needed.";
        }
        else
        {
            var scope = metadata.OfType<RequiredScope>().LastOrDefault()?.Scope ?? (method == "GET" ? Scope.Read : Scope.Write);
            access = $"Needs an API key with scope `{scope.ToString().ToLowerInvariant()}` or above.";
        }

        operation.Description = string.IsNullOrEmpty(operation.Description) ? access : operation.Description + "\n\n" + access;
    }

    private static void DescribeParameters(OpenApiOperation operation, string path)
    {
        foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
        {
            var schema = parameter.Schema as OpenApiSchema ?? new OpenApiSchema();
            parameter.Schema = schema;
            switch (parameter.In, parameter.Name)
            {
                case (ParameterLocation.Path, "id"):
                    (schema.Format, schema.Pattern) = ContractFacts.PathId(path);
                    parameter.Description ??= "The resource's id.";
                    break;
                case (ParameterLocation.Query, "limit"):
                    Integer(schema, 1, 100, 50);
                    parameter.Description = "Items per page, 1 to 100 (default 50).";
                    break;
                case (ParameterLocation.Query, "offset"):
                    Integer(schema, 0, null, 0);
                    parameter.Description = "Items to skip from the newest (default 0).";
                    break;
                case (ParameterLocation.Query, "status") when path.TrimEnd('/') == "/api/v1/calls":
                    schema.Enum = [.. CallStatus.All.Select(s => (JsonNode)JsonValue.Create(s))];
                    parameter.Description = "Only calls in this status.";
                    break;
                case (ParameterLocation.Query, "consent_capture"):
                    schema.Enum = [.. ConsentCapture.All.Select(s => (JsonNode)JsonValue.Create(s))];
                    parameter.Description = "Only contacts whose consent was captured this way.";
                    break;
                case (ParameterLocation.Query, "opted_out"):
                    schema.Type = JsonSchemaType.Boolean;
                    parameter.Description = "true: only opted-out contacts; false: only reachable ones.";
                    break;
                case (ParameterLocation.Query, "created_after" or "created_before"):
                    schema.Type = JsonSchemaType.String;
                    schema.Format = "date-time";
                    parameter.Description = "An ISO 8601 UTC timestamp, e.g. 2026-01-31T09:00:00Z.";
                    break;
                case (ParameterLocation.Query, "search"):
                    parameter.Description = "Text found in the name, email or phone number.";
                    break;
                case (ParameterLocation.Query, "agent_id" or "contact_id"):
                    schema.Format = "uuid";
                    break;
                case (ParameterLocation.Query, "event_id"):
                    schema.Pattern = "^evt_[0-9a-f]{32}$";
                    parameter.Description = "Only the attempts for this event.";
                    break;
            }
        }
    }

    private static void Integer(OpenApiSchema schema, int minimum, int? maximum, int defaultValue)
    {
        schema.Type = JsonSchemaType.Integer;
        schema.Minimum = minimum.ToString(CultureInfo.InvariantCulture);
        schema.Maximum = maximum?.ToString(CultureInfo.InvariantCulture);
        schema.Default = JsonValue.Create(defaultValue);
    }
}
