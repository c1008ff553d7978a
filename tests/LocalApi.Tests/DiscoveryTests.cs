using Cualify.Appliance.Testing;

namespace Cualify.Appliance.LocalApi.Tests;

public sealed class DiscoveryTests
{
    [Fact]
    public async Task The_openapi_document_is_3_1_and_describes_the_endpoints()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        var doc = await (await appliance.Client().GetAsync("/api/v1/openapi.json")).ExpectAsync(200);

        Assert.StartsWith("3.1", (string?)doc["openapi"]);
        var paths = doc["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/api/v1/contacts", paths);
        Assert.Contains("/api/v1/contacts/{id}/opt-out", paths);
        Assert.Contains("/api/v1/api-keys/check", paths);
        Assert.Contains("/api/v1/orgs/{id}/credits/topups", paths);
        Assert.NotNull(doc["components"]!["securitySchemes"]!["bearer"]);
    }

    [Fact]
    public async Task The_docs_page_is_served_without_a_key()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        var response = await appliance.Client().GetAsync("/docs");
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("api/v1/openapi.json", html);
        Assert.DoesNotContain("https://", html);

        // The reference's script comes from the appliance itself (the package's copy), not from a CDN.
        var script = await appliance.Client().GetAsync("/docs/scalar.js");
        Assert.Equal(200, (int)script.StatusCode);
        Assert.Contains("javascript", script.Content.Headers.ContentType?.MediaType);
    }
}
