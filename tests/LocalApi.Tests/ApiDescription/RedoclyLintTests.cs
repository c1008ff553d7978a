using Cualify.Appliance.Testing;

namespace Cualify.Appliance.LocalApi.Tests.ApiDescription;

public sealed class RedoclyLintTests
{
    [Fact]
    public async Task Redocly_lint_with_the_recommended_rules_finds_no_error_in_the_served_document()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var folder = new TempDirectory("lint");
        var document = Path.Combine(folder.Path, "openapi.json");
        await File.WriteAllTextAsync(document, await appliance.Client().GetStringAsync("/api/v1/openapi.json"));

        var (exit, output) = await ApiTools.RunAsync(ApiTools.Redocly, ["lint", document, "--format=stylish"], folder.Path);

        Assert.True(exit == 0, $"redocly lint failed ({exit}):\n{output}");
        Assert.Contains("recommended", output, StringComparison.Ordinal); // no config of ours: the built-in recommended rules
        Assert.DoesNotContain(" error ", output, StringComparison.Ordinal);
        Assert.Contains("Your API description is valid", output, StringComparison.Ordinal);
    }
}
