using System.Text.Json.Nodes;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Testing;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.LocalApi.Tests.ApiDescription;

/// <summary>The served document against the running API: the same operations, names as sent, errors declared.</summary>
public sealed class OpenApiDocumentTests
{
    private static readonly string[] Methods = ["get", "post", "put", "patch", "delete"];

    [Fact]
    public async Task Every_operation_of_the_running_API_is_in_the_document_and_the_document_has_no_other()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        var doc = await DocumentAsync(appliance);

        var served = new SortedSet<string>(StringComparer.Ordinal);
        var undocumented = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in appliance.Get<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var route = "/" + endpoint.RoutePattern.RawText!.TrimStart('/').TrimEnd('/');
            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
            {
                var excluded = endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>()?.ExcludeFromDescription == true;
                (excluded ? undocumented : served).Add($"{method} {route}");
            }
        }

        var documented = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (path, item) in doc["paths"]!.AsObject())
        {
            foreach (var (method, _) in item!.AsObject().Where(p => Methods.Contains(p.Key)))
            {
                documented.Add($"{method.ToUpperInvariant()} {path}");
            }
        }

        Assert.Equal(served.Except(["GET /api/v1/openapi.json"]), documented);
        // What is left out on purpose: Twilio's signed callbacks (not for integrators), the docs themselves, the
        // operator console's pages and forms (with the redirect endpoint its Razor components map), and the path the
        // nodes of one store fetch each other's recordings at (node-signed, not for integrators).
        Assert.All(undocumented, route => Assert.True(
            route.Contains("/api/v1/providers/twilio/", StringComparison.Ordinal) || route.Contains(" /docs", StringComparison.Ordinal) || route is "GET /llms.txt" or "GET /api/v1/openapi.json"
            || route.Contains(" /console", StringComparison.Ordinal) || route is "GET /_framework/opaque-redirect" or "GET /_cluster/recordings/{orgId}/{callId}",
            $"{route} is left out of the OpenAPI document"));
        Assert.True(documented.Count >= 50, $"only {documented.Count} operations documented");
    }

    [Fact]
    public async Task Every_operation_has_a_summary_a_description_a_tag_and_the_error_envelope_for_each_error_it_can_answer()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        var doc = await DocumentAsync(appliance);
        var operationIds = new HashSet<string>(StringComparer.Ordinal);

        foreach (var (path, method, operation) in Operations(doc))
        {
            var name = $"{method.ToUpperInvariant()} {path}";
            Assert.False(string.IsNullOrWhiteSpace((string?)operation["summary"]), $"{name} has no summary");
            Assert.False(string.IsNullOrWhiteSpace((string?)operation["description"]), $"{name} has no description");
            Assert.NotEmpty(operation["tags"]!.AsArray());
            Assert.True(operationIds.Add((string)operation["operationId"]!), $"{name}: duplicate operationId");

            var responses = operation["responses"]!.AsObject();
            Assert.Contains(responses, r => r.Key.StartsWith('2'));
            var errors = responses.Where(r => r.Key[0] is '4' or '5').ToList();
            Assert.Contains(errors, r => r.Key == "500");
            Assert.All(errors, error => Assert.Equal("#/components/schemas/ErrorEnvelope", (string?)error.Value!["content"]!["application/json"]!["schema"]!["$ref"]));

            var isPublic = operation["security"] is JsonArray { Count: 0 };
            if (path.StartsWith("/api/v1/", StringComparison.Ordinal) && !isPublic)
            {
                Assert.True(responses.ContainsKey("401") && responses.ContainsKey("403") && responses.ContainsKey("429"), $"{name} lacks 401/403/429");
            }

            if (path.Contains('{', StringComparison.Ordinal))
            {
                Assert.True(responses.ContainsKey("404"), $"{name} has an id but no 404");
            }

            if (operation["requestBody"] is not null)
            {
                Assert.True(responses.ContainsKey("400") && responses.ContainsKey("422"), $"{name} takes a body but declares no 400/422");
                Assert.All(operation["requestBody"]!["content"]!.AsObject().Where(c => c.Key == "application/json"), c => Assert.NotNull(c.Value!["example"]));
            }
        }

        Assert.True(Operation(doc, "post", "/api/v1/calls")["responses"]!.AsObject().ContainsKey("402"));
        Assert.True(Operation(doc, "post", "/api/v1/contacts")["responses"]!.AsObject().ContainsKey("409")); // Idempotency-Key reuse
        var envelope = doc["components"]!["schemas"]!["ErrorBody"]!;
        Assert.Equal(["code", "message", "param", "details"], envelope["required"]!.AsArray().Select(n => (string)n!));
        Assert.Contains("insufficient_credits", envelope["properties"]!["code"]!["enum"]!.AsArray().Select(n => (string?)n));
    }

    [Fact]
    public async Task Schemas_carry_the_contract_types_formats_enums_and_required_fields()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        var doc = await DocumentAsync(appliance);
        var schemas = doc["components"]!["schemas"]!;

        var call = schemas["CallView"]!["properties"]!;
        Assert.Equal(
            ["queued", "dialing", "ringing", "in_progress", "completed", "failed", "no_answer", "busy", "canceled"],
            call["status"]!["enum"]!.AsArray().Select(n => (string?)n));
        Assert.Equal("uuid", (string?)call["id"]!["format"]);
        Assert.Equal("date-time", (string?)call["created_at"]!["format"]);
        Assert.Equal("string", (string?)call["created_at"]!["type"]);
        Assert.Equal("integer", (string?)call["credits_debited_paise"]!["type"]);
        Assert.Matches((string)call["to_e164"]!["pattern"]!, "+919812345678");
        Assert.DoesNotMatch((string)call["to_e164"]!["pattern"]!, "09812345678");

        // Answers always carry every field (null included), so a response shape requires them all.
        var detail = schemas["CallDetailView"]!;
        Assert.Equal(detail["properties"]!.AsObject().Select(p => p.Key).Order(), detail["required"]!.AsArray().Select(n => (string)n!).Order());

        var create = schemas["CreateCallRequest"]!;
        Assert.Equal(["agent_id", "to_e164"], create["required"]!.AsArray().Select(n => (string)n!).Order());
        Assert.Empty(schemas["UpdateOrgRequest"]!["required"]?.AsArray() ?? []);
        Assert.Equal(["pre_call", "website_form", "manual", "imported"],
            schemas["ContactInput"]!["properties"]!["consent_capture"]!["enum"]!.AsArray().Where(n => n is not null).Select(n => (string?)n));
        Assert.Matches((string)schemas["EnrollmentView"]!["properties"]!["id"]!["pattern"]!, "enr_0197a3b26c1e7d3a9f412b8c5e7d9a10");

        // A partial update names the fields it takes, none of them required.
        var patch = Operation(doc, "patch", "/api/v1/playbooks/{id}")["requestBody"]!["content"]!["application/json"]!["schema"]!;
        Assert.NotNull(patch["properties"]!["message_text"]);
        Assert.Null(patch["required"]);

        var bearer = doc["components"]!["securitySchemes"]!["bearer"]!;
        Assert.Equal("http", (string?)bearer["type"]);
        Assert.Equal("bearer", (string?)bearer["scheme"]);
        Assert.Contains(doc["security"]!.AsArray(), requirement => requirement!["bearer"] is not null);
        Assert.Equal([], Operation(doc, "get", "/healthz")["security"]!.AsArray());
        Assert.Contains(doc["tags"]!.AsArray(), tag => (string?)tag!["name"] == "Calls" && !string.IsNullOrEmpty((string?)tag["description"]));
    }

    /// <summary>Each documented query parameter is read by the API under exactly that name: a bad value is refused naming it.</summary>
    [Fact]
    public async Task Query_parameters_are_named_as_the_API_reads_them()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        var doc = await DocumentAsync(appliance);
        using var client = appliance.Client(await appliance.KeyAsync(Scope.Operator));
        var probes = new Dictionary<string, string>
        {
            ["limit"] = "0", ["offset"] = "-1", ["status"] = "ringing_twice", ["consent_capture"] = "by_pigeon",
            ["opted_out"] = "perhaps", ["created_after"] = "yesterday", ["created_before"] = "tomorrow",
        };

        var checkedCount = 0;
        foreach (var (path, method, operation) in Operations(doc).Where(o => o.Method == "get" && !o.Path.Contains('{', StringComparison.Ordinal)))
        {
            foreach (var parameter in (operation["parameters"]?.AsArray() ?? []).Where(p => (string?)p!["in"] == "query"))
            {
                var name = (string)parameter!["name"]!;
                Assert.Equal(name.ToLowerInvariant(), name);
                if (probes.TryGetValue(name, out var bad))
                {
                    var response = await client.GetAsync($"{path}?{name}={bad}");
                    await response.ExpectErrorAsync(400, "invalid_request", name);
                    checkedCount++;
                }
            }
        }

        Assert.True(checkedCount >= 12, $"only {checkedCount} query parameters probed");
    }

    [Fact]
    public async Task Llms_txt_maps_every_documented_operation_in_one_line()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        var doc = await DocumentAsync(appliance);
        var response = await appliance.Client().GetAsync("/llms.txt");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("# Cualify Appliance API", text, StringComparison.Ordinal);
        Assert.Contains("Authorization: Bearer cuk_live_", text, StringComparison.Ordinal);
        Assert.Contains("## Main flows", text, StringComparison.Ordinal);
        var lines = text.Split('\n');
        foreach (var (path, method, operation) in Operations(doc))
        {
            var line = $"- {method.ToUpperInvariant()} {path}: {(string)operation["summary"]!}";
            Assert.Contains(lines, l => l.StartsWith(line, StringComparison.Ordinal));
        }

        Assert.Contains(lines, l => l.StartsWith("- GET /healthz: ", StringComparison.Ordinal) && l.EndsWith("[no key]", StringComparison.Ordinal));
    }

    internal static async Task<JsonNode> DocumentAsync(RunningAppliance appliance) =>
        await (await appliance.Client().GetAsync("/api/v1/openapi.json")).ExpectAsync(200);

    internal static IEnumerable<(string Path, string Method, JsonNode Operation)> Operations(JsonNode doc) =>
        from path in doc["paths"]!.AsObject()
        from operation in path.Value!.AsObject()
        where Methods.Contains(operation.Key)
        select (path.Key, operation.Key, operation.Value!);

    private static JsonNode Operation(JsonNode doc, string method, string path) => doc["paths"]![path]![method]!;
}
