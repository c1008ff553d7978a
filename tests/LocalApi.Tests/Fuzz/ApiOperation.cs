using System.Text.Json.Nodes;

namespace Cualify.Appliance.LocalApi.Tests.Fuzz;

/// <summary>One operation of the served OpenAPI document, as far as the fuzzer needs it.</summary>
public sealed record ApiOperation(
    string Method,
    string PathTemplate,
    IReadOnlyList<string> PathParameters,
    IReadOnlyList<string> QueryParameters,
    IReadOnlyList<string> HeaderParameters,
    bool TakesJson,
    IReadOnlyList<string> BodyProperties)
{
    public override string ToString() => $"{Method} {PathTemplate}";

    /// <summary>Every operation of the document, with each JSON body's property names (resolving <c>$ref</c>s).</summary>
    public static IReadOnlyList<ApiOperation> AllIn(JsonNode document)
    {
        var schemas = document["components"]?["schemas"]?.AsObject();
        var operations = new List<ApiOperation>();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            var shared = item!["parameters"]?.AsArray() ?? [];
            foreach (var (method, operation) in item.AsObject())
            {
                if (method is "parameters" or "summary" or "description" or "servers")
                {
                    continue;
                }

                var parameters = shared.Concat(operation!["parameters"]?.AsArray() ?? []).Select(p => p!).ToList();
                List<string> In(string where) =>
                    parameters.Where(p => (string?)p["in"] == where).Select(p => (string)p["name"]!).Distinct().ToList();
                var json = operation["requestBody"]?["content"]?.AsObject().FirstOrDefault(c => c.Key.Contains("json", StringComparison.Ordinal)).Value;
                operations.Add(new ApiOperation(method.ToUpperInvariant(), path, In("path"), In("query"), In("header"),
                    json is not null, json is null ? [] : PropertiesOf(json["schema"], schemas, depth: 0).Distinct().ToList()));
            }
        }

        return operations;
    }

    private static IEnumerable<string> PropertiesOf(JsonNode? schema, JsonObject? schemas, int depth)
    {
        if (schema is null || depth > 4)
        {
            yield break;
        }

        if ((string?)schema["$ref"] is { } reference && schemas?[reference.Split('/')[^1]] is { } target)
        {
            foreach (var name in PropertiesOf(target, schemas, depth + 1))
            {
                yield return name;
            }
        }

        foreach (var combined in new[] { "allOf", "oneOf", "anyOf" }.SelectMany(k => schema[k]?.AsArray() ?? []))
        {
            foreach (var name in PropertiesOf(combined, schemas, depth + 1))
            {
                yield return name;
            }
        }

        foreach (var (name, _) in schema["properties"]?.AsObject() ?? [])
        {
            yield return name;
        }
    }
}
