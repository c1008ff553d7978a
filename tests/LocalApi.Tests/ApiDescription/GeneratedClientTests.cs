using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.LocalApi.Tests.ApiDescription;

/// <summary>A developer's first hour: generate a C# client with Kiota from the served document and run the quickstart with it.</summary>
public sealed class GeneratedClientTests
{
    /// <summary>Monday 1 June 2026, 10:00 in India: inside the default calling hours.</summary>
    private static readonly DateTimeOffset MondayMorningInIndia = new(2026, 6, 1, 4, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_Kiota_client_generated_from_the_document_compiles_and_runs_the_quickstart_with_typed_errors()
    {
        var clock = new FakeTimeProvider(MondayMorningInIndia);
        await using var appliance = await RunningAppliance.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock));
        using var folder = new TempDirectory("kiota");
        var document = folder.Combine("openapi.json");
        await File.WriteAllTextAsync(document, await appliance.Client().GetStringAsync("/api/v1/openapi.json"));

        var output = folder.Combine("client");
        var (exit, log) = await ApiTools.RunAsync(ApiTools.Kiota,
            ["generate", "-l", "CSharp", "-d", document, "-o", output, "-n", "Cualify.Client", "-c", "ApplianceClient", "--exclude-backward-compatible", "--clean-output"],
            folder.Path);
        Assert.True(exit == 0, $"kiota generate failed ({exit}):\n{log}");

        var sources = Directory.EnumerateFiles(output, "*.cs", SearchOption.AllDirectories).Select(File.ReadAllText).ToList();
        sources.Add(Quickstart());
        var assembly = ClientCompiler.Compile("Cualify.Client.Quickstart", sources);

        var run = assembly.GetType("Cualify.ClientQuickstart.Quickstart")!.GetMethod("RunAsync")!;
        var operatorKey = await appliance.KeyAsync(Scope.Operator);
        Func<Task> betweenPolls = async () =>
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(25); // lets the dialer's workers react to the step before the next poll (a loaded box needs longer)
        };
        var results = await (Task<Dictionary<string, string?>>)run.Invoke(null, [appliance.BaseAddress, appliance.AdminKey!, operatorKey, betweenPolls])!;

        Assert.Equal("100000", results["balance_paise"]);
        Assert.Equal("+919812345678", results["contact_phone"]);
        Assert.True(Guid.TryParse(results["playbook_id"], out _));
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal("queued", results[$"call_{i}_queued_status"]);
            Assert.Equal("completed", results[$"call_{i}_status"]);
            Assert.StartsWith("queued,dialing,ringing,answered", results[$"call_{i}_timeline"], StringComparison.Ordinal);
        }

        // Newest first, one per page, two completed calls in all.
        Assert.Equal(results["call_1_id"], results["page_0_ids"]);
        Assert.Equal(results["call_0_id"], results["page_1_ids"]);
        Assert.Equal("2", results["page_0_total"]);
        Assert.Equal("True", results["page_0_has_more"]);
        Assert.Equal("False", results["page_1_has_more"]);
        Assert.Equal("0", results["queued_total"]);

        Assert.True(Guid.TryParse(results["webhook_id"], out _));
        Assert.Equal("contact.deleted", results["webhook_events"]);
        Assert.Equal("present", results["webhook_secret"]);
        Assert.Equal("404 not_found id", results["not_found"]);
        Assert.Equal("422 invalid_request to_e164", results["invalid"]);

        // What the client saw is what the appliance holds.
        using var admin = appliance.AdminClient();
        var stored = (await (await admin.GetAsync($"/api/v1/calls/{results["call_0_id"]}")).ExpectAsync(200))["data"]!;
        Assert.Equal("completed", (string?)stored["status"]);
        Assert.Equal(results["contact_id"], (string?)stored["contact_id"]);
    }

    private static string Quickstart()
    {
        using var stream = typeof(GeneratedClientTests).Assembly.GetManifestResourceStream("GeneratedClientQuickstart.cs")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
