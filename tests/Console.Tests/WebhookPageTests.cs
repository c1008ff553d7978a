using System.Net;
using System.Text.Json.Nodes;
using Cualify.Appliance.OperatorConsole.Tests.Support;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Testing;
using Microsoft.Playwright;

namespace Cualify.Appliance.OperatorConsole.Tests;

/// <summary>Webhooks in Chromium: health, deliveries, replay, test event and secret rotation, admin scope as in the API.</summary>
public sealed class WebhookPageTests(ConsoleFixture fixture) : ConsoleTest(fixture)
{
    private ConsoleHarness Harness => Fixture.Harness;

    [Fact]
    public async Task A_failed_delivery_replayed_from_the_page_reaches_the_receiver_and_test_and_rotate_work()
    {
        await using var receiver = await HookReceiver.StartAsync();
        receiver.Status = 503;
        var created = await (await Harness.Admin.PostJsonAsync("/api/v1/webhooks", new { url = receiver.Url.ToString(), events = new[] { "contact.created" } })).ExpectAsync(201);
        var webhookId = (string)created["data"]!["id"]!;
        var oldSecret = (string)created["standard_webhooks_secret"]!;
        await (await Harness.Admin.PostJsonAsync("/api/v1/contacts", new JsonObject { ["phone_e164"] = "+919812360001", ["name"] = "Hook Contact", ["consent_capture"] = "manual" })).ExpectAsync(200);
        await Eventually(() => receiver.Received.Count == 1, "the first delivery reaches the receiver");

        var page = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, await Harness.KeyAsync(Scope.Admin));
        await page.GotoAsync($"/console/webhooks/{webhookId}");
        var failed = page.Locator("tr[data-result='retrying']");
        await Assertions.Expect(failed).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-health='failing']")).ToHaveCountAsync(1);
        var failedDelivery = await failed.GetAttributeAsync("data-delivery");
        await Screenshots.SaveAsync(page, "webhook-failing");

        receiver.Status = 200;
        await failed.GetByRole(AriaRole.Button, new() { Name = "Replay" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Event queued again.");
        await Eventually(() => receiver.Received.Any(r => r.Status == 200), "the replayed event reaches the receiver");
        Assert.Equal(2, receiver.Received.Count);
        await page.ReloadAsync();
        var delivered = page.Locator("tr[data-result='delivered']");
        await Assertions.Expect(delivered).ToHaveCountAsync(1);
        Assert.NotEqual(failedDelivery, await delivered.GetAttributeAsync("data-delivery"));
        await Assertions.Expect(page.Locator("[data-health='ok']")).ToHaveCountAsync(1);

        await page.GetByRole(AriaRole.Button, new() { Name = "Send test event" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Test event queued.");
        await Eventually(() => receiver.Received.Count(r => r.Status == 200) == 2, "the test event reaches the receiver");

        await page.GetByRole(AriaRole.Button, new() { Name = "Rotate secret" }).ClickAsync();
        var secret = await page.Locator("[data-secret]").InnerTextAsync();
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.NotEqual(oldSecret, secret);
    }

    [Fact]
    public async Task Below_admin_the_page_says_so_shows_no_buttons_and_a_post_is_refused()
    {
        await using var receiver = await HookReceiver.StartAsync();
        var created = await (await Harness.Admin.PostJsonAsync("/api/v1/webhooks", new { url = receiver.Url.ToString(), events = new[] { "call.completed" } })).ExpectAsync(201);
        var webhookId = (string)created["data"]!["id"]!;
        var page = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, await Harness.KeyAsync(Scope.Write));

        await page.GotoAsync($"/console/webhooks/{webhookId}");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("admin scope");
        Assert.Equal(0, await page.Locator("main form[method='post']").CountAsync());

        using var http = await ConsoleHttp.LikeAsync(page, Fixture.BaseAddress);
        var token = ConsoleHttp.TokenIn(await http.GetStringAsync("/console/webhooks"));
        var refused = await http.PostFormAsync($"/console/webhooks/{webhookId}/rotate", [new("__RequestVerificationToken", token)]);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("admin scope", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task Eventually(Func<bool> done, string what)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!done())
        {
            Assert.True(DateTime.UtcNow < until, $"Timed out waiting until {what}");
            await Task.Delay(100);
        }
    }
}
