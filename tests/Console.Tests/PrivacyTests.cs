using System.Net;
using Cualify.Appliance.OperatorConsole.Tests.Support;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Privacy;
using Cualify.Appliance.Testing;
using Microsoft.Playwright;

namespace Cualify.Appliance.OperatorConsole.Tests;

/// <summary>Personal data masked below admin scope, and one org's session never showing another org's rows.</summary>
public sealed class PrivacyTests(ConsoleFixture fixture) : ConsoleTest(fixture)
{
    private const string Number = "+919812345688";

    private ConsoleHarness Harness => Fixture.Harness;

    [Theory]
    [InlineData(Scope.Read, true)]
    [InlineData(Scope.Write, true)]
    [InlineData(Scope.Admin, false)]
    public async Task Numbers_are_masked_as_the_logs_mask_them_below_admin_scope(Scope scope, bool masked)
    {
        var callId = await Harness.PlaceCallAsync(Number);
        await Harness.WaitForCallAsync(callId, c => CallStatus.IsLive(c.Status));
        var page = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, await Harness.KeyAsync(scope));
        var shown = masked ? Redact.PhoneNumber(Number) : Number;
        Assert.NotEqual(Number, Redact.PhoneNumber(Number));

        foreach (var path in new[] { "/console/live", "/console/calls", $"/console/calls/{callId}" })
        {
            await page.GotoAsync(path);
            var text = await page.Locator("main").InnerTextAsync();
            Assert.Contains(shown, text, StringComparison.Ordinal);
            if (masked)
            {
                Assert.DoesNotContain(Number, await page.ContentAsync(), StringComparison.Ordinal);
            }
        }

        await Harness.Admin.PostAsync($"/api/v1/calls/{callId}/cancel", null);
    }

    [Fact]
    public async Task One_orgs_session_never_shows_another_orgs_rows()
    {
        var other = $"other-{Guid.NewGuid():N}"[..14];
        var (otherAdmin, otherAgent) = await Harness.OtherOrgAsync(other);
        var ours = await Harness.PlaceCallAsync();
        var theirs = await Harness.PlaceCallAsync("+919812345677", otherAdmin, otherAgent);
        await Harness.WaitForCallAsync(ours, c => CallStatus.IsLive(c.Status));
        await Harness.WaitForCallAsync(theirs, c => CallStatus.IsLive(c.Status));

        var page = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, await Harness.KeyAsync(Scope.Admin, other));
        await Assertions.Expect(page.Locator($"tr[data-call='{theirs}']")).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator($"tr[data-call='{ours}']").CountAsync());
        await page.WaitForTimeoutAsync(600); // a stream update or two: they must not bring the other org's call either
        Assert.Equal(0, await page.Locator($"tr[data-call='{ours}']").CountAsync());
        Assert.Equal("1", await page.Locator("[data-tile='live']").InnerTextAsync());

        await page.GotoAsync("/console/calls");
        await Assertions.Expect(page.Locator($"tr[data-call='{theirs}']")).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator($"tr[data-call='{ours}']").CountAsync());
        var foreign = await page.GotoAsync($"/console/calls/{ours}");
        Assert.Equal(404, foreign!.Status);
        Assert.DoesNotContain(ours, await page.Locator("dl.facts").CountAsync() > 0 ? await page.Locator("dl.facts").InnerTextAsync() : "", StringComparison.Ordinal);
        await page.GotoAsync("/console/credits");
        Assert.Equal(0, await page.Locator("tr[data-entry='reservation']", new() { HasText = ours }).CountAsync());

        using var http = await ConsoleHttp.LikeAsync(page, Fixture.BaseAddress);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/console/calls/{ours}/recording")).StatusCode);
        var token = ConsoleHttp.TokenIn(await http.GetStringAsync("/console/live"));
        var hangup = await http.PostFormAsync($"/console/calls/{ours}/hangup", [new("__RequestVerificationToken", token)]);
        Assert.Equal(HttpStatusCode.NotFound, hangup.StatusCode);
        Assert.Null((await Harness.Appliance.Get<CallReader>().GetAsync(ours))!.CancelRequestedAt);

        await Harness.Admin.PostAsync($"/api/v1/calls/{ours}/cancel", null);
        await otherAdmin.PostAsync($"/api/v1/calls/{theirs}/cancel", null);
    }
}
