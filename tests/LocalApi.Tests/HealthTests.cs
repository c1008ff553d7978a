using Cualify.Appliance.Testing;

namespace Cualify.Appliance.LocalApi.Tests;

public sealed class HealthTests
{
    [Fact]
    public async Task Healthz_readyz_and_metrics_answer_without_a_key()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var client = appliance.Client();

        var health = await (await client.GetAsync("/healthz")).ExpectAsync(200);
        Assert.Equal("ok", (string?)health["status"]);

        var ready = await (await client.GetAsync("/readyz")).ExpectAsync(200);
        Assert.Equal("ready", (string?)ready["status"]);
        Assert.True((bool?)ready["checks"]?["store"]?["ready"]);

        var metrics = await client.GetStringAsync("/metrics");
        Assert.Contains("cualify_credits_balance_paise{org=\"default\"} 0", metrics);
    }
}
