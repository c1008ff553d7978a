using System.Text.Json.Nodes;
using Cualify.Appliance.OperatorConsole.Tests.Support;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Campaigns;
using Cualify.Appliance.Core.Paging;
using Cualify.Appliance.Testing;
using Microsoft.Playwright;

namespace Cualify.Appliance.OperatorConsole.Tests;

/// <summary>Campaigns in Chromium: created and started from the page they dial on the simulator; pause from the page stops them.</summary>
public sealed class CampaignPageTests(ConsoleFixture fixture) : ConsoleTest(fixture)
{
    private ConsoleHarness Harness => Fixture.Harness;

    [Fact]
    public async Task A_campaign_created_and_started_from_the_page_dials_and_pause_from_the_page_stops_new_dials()
    {
        var tag = "Pace" + Guid.NewGuid().ToString("N")[..8];
        foreach (var number in new[] { "+919812350188", "+919812350288", "+919812350388" })
        {
            await (await Harness.Admin.PostJsonAsync("/api/v1/contacts", new JsonObject { ["phone_e164"] = number, ["name"] = $"{tag} Contact", ["consent_capture"] = "website_form" })).ExpectAsync(200);
        }

        var page = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, await Harness.KeyAsync(Scope.Write));
        await page.GotoAsync("/console/campaigns");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(tag);
        await page.GetByLabel("Calls with / enrolls in").SelectOptionAsync($"agent:{Harness.AgentId}");
        await page.GetByLabel("Filter: search").FillAsync(tag);
        // One dial every 10 s: the first goes out at start, the second long after the pause below.
        await page.GetByLabel("Calls per minute").FillAsync("6");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create campaign" }).ClickAsync();
        try
        {
            await page.ArrivesAtAsync(new System.Text.RegularExpressions.Regex("/console/campaigns/[^/?]+$"));
        }
        catch (TimeoutException)
        {
            // Seen once in a full run and not reproduced alone: name where the form post landed and what it said.
            Assert.Fail($"Creating the campaign did not reach its page; the browser is at {page.Url} showing: {await page.InnerTextAsync("body")}");
        }
        var campaignId = await page.Locator("dl[data-campaign]").GetAttributeAsync("data-campaign");
        Assert.Equal(CampaignStatus.Draft, await page.Locator("dl[data-campaign]").GetAttributeAsync("data-status"));

        await page.GetByRole(AriaRole.Button, new() { Name = $"Start campaign {tag}" }).ClickAsync();
        await Assertions.Expect(page.Locator("dl[data-campaign]")).ToHaveAttributeAsync("data-status", CampaignStatus.Running);
        var firstCall = await FirstCallAsync(campaignId!);
        await Harness.WaitForCallAsync(firstCall.Id, c => c.Status is CallStatus.Ringing or CallStatus.InProgress || c.IsFinal);

        await page.GetByRole(AriaRole.Button, new() { Name = $"Pause campaign {tag}" }).ClickAsync();
        await Assertions.Expect(page.Locator("dl[data-campaign]")).ToHaveAttributeAsync("data-status", CampaignStatus.Paused);
        await Screenshots.SaveAsync(page, "campaign-paused");
        var atPause = await CallsAsync(campaignId!);
        Assert.InRange(atPause.Count, 1, 2);

        // Longer than the campaign's 10 s interval: a campaign still running would have dialed again.
        await Task.Delay(TimeSpan.FromSeconds(12));
        Assert.Equal(atPause.Count, (await CallsAsync(campaignId!)).Count);
        var view = await Harness.Appliance.Get<CampaignStore>().GetViewAsync((await Harness.OrgAsync()).Id, campaignId!);
        Assert.Equal((CampaignStatus.Paused, CampaignPauseReasons.Requested), (view!.Status, view.PauseReason));
        Assert.Equal(3 - atPause.Count, view.Progress.Pending);

        await page.GetByRole(AriaRole.Button, new() { Name = $"Stop campaign {tag}" }).ClickAsync();
        await Assertions.Expect(page.Locator("dl[data-campaign]")).ToHaveAttributeAsync("data-status", CampaignStatus.Stopped);
        foreach (var call in atPause)
        {
            await Harness.Admin.PostAsync($"/api/v1/calls/{call.Id}/cancel", null);
        }
    }

    [Fact]
    public async Task A_read_key_sees_campaigns_and_their_progress_but_no_buttons()
    {
        var orgId = (await Harness.OrgAsync()).Id;
        var draft = await Harness.Appliance.Get<CampaignStore>().CreateAsync(orgId, new CampaignInput(
            "Read-only campaign", Harness.AgentId, null, new CampaignContactsInput(new CampaignFilterInput(null, "nobody-matches", null, null, null), null, null), null, null, null));
        var page = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, await Harness.KeyAsync(Scope.Read));

        await page.GotoAsync("/console/campaigns");
        var row = page.Locator($"tr[data-campaign='{draft.Id}']");
        await Assertions.Expect(row).ToContainTextAsync("0 / 0 done");
        Assert.Equal(0, await page.Locator("main form[method='post']").CountAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Start" }).CountAsync());
        await page.GotoAsync($"/console/campaigns/{draft.Id}");
        Assert.Equal(0, await page.Locator("main form[method='post']").CountAsync());
    }

    private async Task<IReadOnlyList<Call>> CallsAsync(string campaignId) =>
        (await Harness.Appliance.Get<CallReader>().ListAsync((await Harness.OrgAsync()).Id, new CallFilter(CampaignId: campaignId), new PageRequest(PageRequest.MaxLimit, 0))).Items;

    private async Task<Call> FirstCallAsync(string campaignId)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if ((await CallsAsync(campaignId)) is [var first, ..])
            {
                return first;
            }

            Assert.True(DateTime.UtcNow < until, "The started campaign placed no call");
            await Task.Delay(100);
        }
    }
}
