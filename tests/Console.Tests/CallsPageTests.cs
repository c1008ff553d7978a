using Cualify.Appliance.OperatorConsole.Tests.Support;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Testing;
using Microsoft.Playwright;

namespace Cualify.Appliance.OperatorConsole.Tests;

/// <summary>The Calls list (filters, pages) and a call's page (timeline and the rest), in Chromium.</summary>
public sealed class CallsPageTests(ConsoleFixture fixture) : ConsoleTest(fixture)
{
    private ConsoleHarness Harness => Fixture.Harness;

    [Fact]
    public async Task A_finished_calls_page_shows_its_timeline_and_the_list_filters_by_status()
    {
        var callId = await Harness.PlaceCallAsync("+919812345681");
        var ended = await Harness.WaitForCallAsync(callId, c => c.IsFinal);
        Assert.Equal(CallStatus.Busy, ended.Status);
        var page = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, await Harness.KeyAsync(Scope.Admin));

        await page.GotoAsync("/console/calls");
        await page.GetByLabel("Status").SelectOptionAsync("busy");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await page.ArrivesAtAsync("**/console/calls?status=busy**");
        await Assertions.Expect(page.Locator($"tr[data-call='{callId}']")).ToBeVisibleAsync();
        Assert.Contains("+919812345681", await page.Locator($"tr[data-call='{callId}']").InnerTextAsync(), StringComparison.Ordinal); // admin: unmasked
        await Screenshots.SaveAsync(page, "calls");
        await page.GotoAsync("/console/calls?status=completed");
        Assert.Equal(0, await page.Locator($"tr[data-call='{callId}']").CountAsync());

        await page.GotoAsync("/console/calls?status=busy");
        await page.Locator($"tr[data-call='{callId}'] a").ClickAsync();
        await page.ArrivesAtAsync($"**/console/calls/{callId}");
        var timeline = page.GetByRole(AriaRole.Table, new() { Name = "Timeline" });
        foreach (var type in new[] { CallTimelineType.Queued, CallTimelineType.Dialing, CallTimelineType.Ringing })
        {
            await Assertions.Expect(timeline.Locator($"tr[data-entry='{type}']")).ToHaveCountAsync(1);
        }

        var api = await (await Harness.Admin.GetAsync($"/api/v1/calls/{callId}")).ExpectAsync(200);
        Assert.Equal(api["data"]!["timeline"]!.AsArray().Count, await timeline.Locator("tbody tr").CountAsync());
        Assert.Contains("busy", await page.Locator("dl.facts").InnerTextAsync(), StringComparison.Ordinal);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Webhook deliveries" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "CRM syncs" })).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "call");
    }

    [Fact]
    public async Task The_calls_list_pages_fifty_at_a_time_keeping_its_filter()
    {
        var org = $"pager-{Guid.NewGuid():N}"[..14];
        var (admin, agentId) = await Harness.OtherOrgAsync(org);
        var adminKey = await Harness.KeyAsync(Scope.Admin, org);
        await (await admin.PostJsonAsync("/api/v1/contacts", new { phone_e164 = "+919812345600", name = "Riya", consent_capture = "website_form" })).ExpectAsync(200);
        var tomorrow = DateTimeOffset.UtcNow.AddDays(1).ToString("O");
        for (var i = 0; i < 51; i++)
        {
            await (await admin.PostJsonAsync("/api/v1/calls", new { agent_id = agentId, to_e164 = "+919812345600", not_before = tomorrow })).ExpectAsync(201);
        }

        var page = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, adminKey);
        await page.GotoAsync("/console/calls?status=queued");
        Assert.Equal(50, await page.Locator("tbody tr[data-call]").CountAsync());
        await Assertions.Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "List pages" })).ToContainTextAsync("1–50 of 51");
        await page.GetByRole(AriaRole.Link, new() { Name = "Next" }).ClickAsync();
        await page.ArrivesAtAsync("**offset=50**");
        Assert.Contains("status=queued", page.Url, StringComparison.Ordinal);
        Assert.Equal(1, await page.Locator("tbody tr[data-call]").CountAsync());
        await Assertions.Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "List pages" })).ToContainTextAsync("51–51 of 51");
    }
}
