using System.Net;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Relay.Tests;

/// <summary>The address rules where they matter most: on the connection each attempt actually makes.</summary>
public sealed class AddressAtSendTimeTests
{
    [Fact]
    public async Task A_name_rebound_to_link_local_after_registration_is_refused_when_sending()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        // Close each connection so that every attempt connects (and resolves) afresh.
        receiver.Respond = _ => new Reply(200, new Dictionary<string, string> { ["Connection"] = "close" });
        var resolver = new StaticResolver { ["hooks.test"] = [IPAddress.Loopback], ["evil.test"] = [IPAddress.Parse("169.254.169.254")] };
        await using var appliance = await RelayHarness.StartAsync(
            settings: new Dictionary<string, string?> { ["Relay:AllowHttpHosts:0"] = "hooks.test", ["Relay:AllowHttpHosts:1"] = "evil.test" },
            resolver: resolver);
        using var client = appliance.AdminClient();

        var refused = await (await client.PostJsonAsync("/api/v1/webhooks", new { url = $"http://evil.test:{receiver.BaseAddress.Port}/hook", events = new[] { "*" } }))
            .ExpectErrorAsync(422, "invalid_request", "url");
        Assert.Contains("evil.test resolves to 169.254.169.254", (string?)refused["message"]);

        var webhook = await client.CreateWebhookAsync($"http://hooks.test:{receiver.BaseAddress.Port}/hook", "contact.created");
        await client.UpsertContactAsync(1);
        await Eventually.TrueAsync(() => receiver.Received.Count == 1, "the delivery arrives through the resolved loopback address");

        resolver["hooks.test"] = [IPAddress.Parse("169.254.169.254")];
        await client.UpsertContactAsync(2);
        await Eventually.TrueAsync(async () => (await client.DeliveriesAsync(webhook.Id)).Count == 2, "the second attempt is recorded");
        var attempt = (await client.DeliveriesAsync(webhook.Id))[0]!;
        Assert.Equal("retrying", (string?)attempt["result"]);
        Assert.Null(attempt["status_code"]);
        Assert.Contains("hooks.test resolves to 169.254.169.254", (string?)attempt["error"]);
        Assert.Single(receiver.Received);

        // A mixed answer is not refused outright: only the allowed address is used.
        resolver["hooks.test"] = [IPAddress.Parse("169.254.169.254"), IPAddress.Loopback];
        await (await client.PostAsync($"/api/v1/webhooks/{webhook.Id}/test", null)).ExpectAsync(202);
        await Eventually.TrueAsync(() => receiver.Received.Count == 2, "the test arrives through the allowed address");
    }

    [Fact]
    public async Task Redirects_are_not_followed_and_count_as_failures()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = r => r.Path == "/moved" ? new Reply(308, new Dictionary<string, string> { ["Location"] = receiver.Url("/target") }) : Reply.Ok;
        await using var appliance = await RelayHarness.StartAsync();
        using var client = appliance.AdminClient();
        var webhook = await client.CreateWebhookAsync(receiver.Url("/moved"), "contact.created");

        await client.UpsertContactAsync(1);
        await Eventually.TrueAsync(async () => (await client.DeliveriesAsync(webhook.Id)).Count == 1, "the attempt is recorded");
        var attempt = (await client.DeliveriesAsync(webhook.Id))[0]!;
        Assert.Equal(308, (int)attempt["status_code"]!);
        Assert.Equal("retrying", (string?)attempt["result"]);
        Assert.Contains("redirects are not followed", (string?)attempt["error"]);
        Assert.DoesNotContain(receiver.Received, r => r.Path == "/target");
    }
}
