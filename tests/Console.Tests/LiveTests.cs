using System.Text.RegularExpressions;
using Cualify.Appliance.OperatorConsole.Tests.Support;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Calls;
using Microsoft.Playwright;

namespace Cualify.Appliance.OperatorConsole.Tests;

/// <summary>The Live page in Chromium follows a simulator call placed through the API, without reloading.</summary>
public sealed partial class LiveTests(ConsoleFixture fixture) : ConsoleTest(fixture)
{
    /// <summary>What SPEC §8 promises: a status change shows on Live within a second.</summary>
    private static readonly LocatorAssertionsToHaveAttributeOptions WithinASecond = new() { Timeout = 1000 };

    private ConsoleHarness Harness => Fixture.Harness;

    [Fact]
    public async Task A_call_placed_through_the_API_appears_ringing_then_talking_with_elapsed_time_and_leaves_when_it_ends()
    {
        var page = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, await Harness.KeyAsync(Scope.Write));
        await page.EvaluateAsync("() => { window.sameDocument = true; }");
        await Assertions.Expect(page.GetByText("No live calls.")).ToBeVisibleAsync();

        var callId = await Harness.PlaceCallAsync();
        var row = page.Locator($"tr[data-call='{callId}']");
        await Harness.WaitForCallAsync(callId, c => c.Status == CallStatus.Ringing, TimeSpan.FromSeconds(10));
        await Assertions.Expect(row).ToHaveAttributeAsync("data-status", CallStatus.Ringing, WithinASecond);
        await Assertions.Expect(row.Locator("td.state")).ToHaveTextAsync("ringing");

        await Harness.WaitForCallAsync(callId, c => c.Status == CallStatus.InProgress, TimeSpan.FromSeconds(15));
        await Assertions.Expect(row).ToHaveAttributeAsync("data-status", CallStatus.InProgress, WithinASecond);
        await Assertions.Expect(row.Locator("td.state")).ToHaveTextAsync("talking");
        await Assertions.Expect(row.Locator("td.elapsed")).ToHaveTextAsync(ElapsedOfTwoSecondsOrMore(), new() { Timeout = 5000 });
        Assert.Equal("1", await page.Locator("[data-tile='talking']").InnerTextAsync());
        await Screenshots.SaveAsync(page, "live-talking");
        var tablet = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, await Harness.KeyAsync(Scope.Read), width: 820);
        await Assertions.Expect(tablet.Locator($"tr[data-call='{callId}']")).ToBeVisibleAsync();
        await Screenshots.SaveAsync(tablet, "live-tablet");

        await (await Harness.Admin.PostAsync($"/api/v1/calls/{callId}/cancel", null)).Content.ReadAsStringAsync();
        await Harness.WaitForCallAsync(callId, c => c.IsFinal);
        await Assertions.Expect(row).ToHaveCountAsync(0, new() { Timeout = 1000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.sameDocument === true"), "the page reloaded instead of updating");
    }

    [Fact]
    public async Task The_live_stream_ends_a_revoked_keys_page_which_lands_on_sign_in()
    {
        var key = await Harness.KeyAsync(Scope.Read);
        var page = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, key);
        await Harness.RevokeAsync(key);

        await page.ArrivesAtAsync("**/console/signin", 15_000);
    }

    [GeneratedRegex(@"^0:0[2-9] / 5:00$")]
    private static partial Regex ElapsedOfTwoSecondsOrMore();
}
