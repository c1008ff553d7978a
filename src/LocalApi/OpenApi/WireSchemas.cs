using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Cualify.Appliance.LocalApi.OpenApi;

/// <summary>
/// Makes each generated schema say what goes over the wire: integers as integers (the lenient reading of
/// quoted numbers is not part of the contract), timestamps as strings, id and phone formats, the enums, and
/// the required fields of request bodies (their C# fields are all nullable so that a missing one gets a
/// field error, not a binding failure).
/// </summary>
internal static class WireSchemas
{
    public const string E164Pattern = @"^\+[1-9][0-9]{1,14}$";

    public static Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (ContractFacts.RequiredFields.TryGetValue(type.Name, out var required))
        {
            schema.Required = new HashSet<string>(required, StringComparer.Ordinal);
        }
        else if (schema.Properties is { Count: > 0 } properties)
        {
            // Answers are written with every field (null included), so every field of a response shape is always there.
            schema.Required = new HashSet<string>(properties.Keys, StringComparer.Ordinal);
        }

        if (ContractFacts.SchemaDescriptions.TryGetValue(type.Name, out var description))
        {
            schema.Description = description;
        }

        FixScalar(schema, type);
        // Object-typed properties share their type's component schema: only a scalar (or list of strings) is the property's own.
        if (context.JsonPropertyInfo is { } property && IsOwnSchema(property.PropertyType))
        {
            DescribeProperty(schema, property.DeclaringType.Name, property.Name);
        }

        return Task.CompletedTask;
    }

    private static bool IsOwnSchema(Type type) =>
        type == typeof(string) || (Nullable.GetUnderlyingType(type) ?? type).IsPrimitive || type == typeof(IReadOnlyList<string>)
        || type == typeof(string[]) || type == typeof(List<string>) || type == typeof(IEnumerable<string>);

    private static void FixScalar(OpenApiSchema schema, Type type)
    {
        if (schema.Type is { } kinds && (kinds.HasFlag(JsonSchemaType.Integer) || kinds.HasFlag(JsonSchemaType.Number)) && kinds.HasFlag(JsonSchemaType.String))
        {
            schema.Type = kinds & ~JsonSchemaType.String;
            schema.Pattern = null;
        }

        if (type == typeof(System.Text.Json.JsonElement) || type == typeof(System.Text.Json.JsonElement?))
        {
            // Free-form JSON the caller stored (metadata) or an entry's details: an object on the wire (one shared
            // component; where the field may be null the generator wraps it in a oneOf with null).
            schema.Type = JsonSchemaType.Object;
        }
        else if (type == typeof(DateTimeOffset) || type == typeof(DateTime))
        {
            schema.Type = JsonSchemaType.String;
            schema.Format = "date-time";
        }
        else if (type == typeof(DateTimeOffset?) || type == typeof(DateTime?))
        {
            schema.Type = JsonSchemaType.String | JsonSchemaType.Null;
            schema.Format = "date-time";
        }
    }

    private static void DescribeProperty(OpenApiSchema schema, string owner, string name)
    {
        if (ContractFacts.Enums.TryGetValue((owner, name), out var values))
        {
            var target = schema.Type is { } kinds && kinds.HasFlag(JsonSchemaType.Array) && schema.Items is OpenApiSchema items ? items : schema;
            var nullable = target.Type is { } t && t.HasFlag(JsonSchemaType.Null);
            target.Enum = [.. values.Select(value => (JsonNode)JsonValue.Create(value)!)];
            if (nullable)
            {
                target.Enum.Add(null!);
            }
        }

        if (name.EndsWith("_e164", StringComparison.Ordinal) || name is "default_caller_id")
        {
            schema.Pattern = E164Pattern;
            schema.Description ??= "A phone number in E.164 form, e.g. +919812345678.";
        }
        else if (ContractFacts.IdPattern(owner, name) is { } id)
        {
            if (id.Format is not null)
            {
                schema.Format = id.Format;
            }

            schema.Pattern = id.Pattern;
        }
    }
}
