using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Relay.Tests;

public sealed class RelayMetricsTests
{
    [Fact]
    public async Task Metrics_show_outbox_lag_the_backlog_and_attempts_by_result()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = r => r.Path == "/down" ? new Reply(503) : Reply.Ok;
        await using var appliance = await RelayHarness.StartAsync();
        using var client = appliance.AdminClient();
        var up = await client.CreateWebhookAsync(receiver.Url("/up"), "contact.created");
        var down = await client.CreateWebhookAsync(receiver.Url("/down"), "contact.created");

        await client.UpsertContactAsync(1);
        await client.UpsertContactAsync(2);
        await Eventually.TrueAsync(async () => (await client.DeliveriesAsync(up.Id)).Count == 2 && (await client.DeliveriesAsync(down.Id)).Count == 2,
            "both endpoints have two attempts");

        var metrics = await appliance.Client().GetStringAsync("/metrics");
        Assert.Contains("cualify_relay_outbox_lag_events 0", metrics);
        Assert.Contains("cualify_relay_outbox_lag_seconds 0", metrics);
        Assert.Contains("cualify_relay_delivery_attempts_total{result=\"delivered\"} 2", metrics);
        Assert.Contains("cualify_relay_delivery_attempts_total{result=\"retrying\"} 2", metrics);
        Assert.Contains("cualify_relay_delivery_failures_total{reason=\"http_5xx\"} 2", metrics);
        Assert.Contains("cualify_relay_deliveries{status=\"pending\"} 2", metrics);
        Assert.Contains("cualify_relay_deliveries{status=\"sending\"} 0", metrics);
        Assert.Contains("cualify_relay_events_fanned_out_total 2", metrics);
    }
}
