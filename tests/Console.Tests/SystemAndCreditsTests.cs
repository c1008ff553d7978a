using Cualify.Appliance.OperatorConsole.Tests.Support;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Health;
using Cualify.Appliance.Hosting;
using Cualify.Appliance.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Cualify.Appliance.OperatorConsole.Tests;

/// <summary>System (readiness, doctor, version) and Credits (balance, reserved, burn, run-out, ledger), in Chromium.</summary>
public sealed class SystemAndCreditsTests(ConsoleFixture fixture) : ConsoleTest(fixture)
{
    private ConsoleHarness Harness => Fixture.Harness;

    [Fact]
    public async Task System_shows_the_version_every_readiness_check_and_on_request_every_doctor_finding()
    {
        var page = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, await Harness.KeyAsync(Scope.Read));
        await page.GotoAsync("/console/system");

        Assert.Equal(BuildInfo.Version, await page.Locator("[data-fact='version']").InnerTextAsync());
        var readiness = Harness.Appliance.Services.GetServices<IReadinessCheck>().Select(c => c.Name).ToList();
        Assert.NotEmpty(readiness);
        foreach (var name in readiness)
        {
            await Assertions.Expect(page.Locator($"tr[data-check='{name}']")).ToHaveCountAsync(1);
        }

        await Assertions.Expect(page.Locator("tr[data-check='store']")).ToContainTextAsync("ok");
        await page.GetByRole(AriaRole.Link, new() { Name = "Run doctor" }).ClickAsync();
        var doctorChecks = Harness.Appliance.Services.GetServices<DoctorCheckRegistration>().Count();
        Assert.True(doctorChecks > 0);
        await Assertions.Expect(page.Locator("tr[data-finding]")).ToHaveCountAsync(doctorChecks, new() { Timeout = 60_000 });
        await Screenshots.SaveAsync(page, "system");
    }

    [Fact]
    public async Task Credits_show_the_balance_the_api_reports_a_burn_rate_a_run_out_and_the_ledger_of_a_charged_call()
    {
        var callId = await Harness.PlaceCallAsync();
        await Harness.WaitForCallAsync(callId, c => c.Status == CallStatus.InProgress);
        await Task.Delay(TimeSpan.FromSeconds(2)); // a couple of billed seconds
        await Harness.Admin.PostAsync($"/api/v1/calls/{callId}/cancel", null);
        var ended = await Harness.WaitForCallAsync(callId, c => c.IsFinal);
        Assert.True(ended.CreditsDebitedPaise > 0, "the call was not charged");

        var page = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, await Harness.KeyAsync(Scope.Read));
        await page.GotoAsync("/console/credits");
        var credits = (await (await Harness.Admin.GetAsync("/api/v1/credits")).ExpectAsync(200))["data"]!;
        var balance = (long)credits["balance_paise"]!;
        Assert.Equal($"₹{balance / 100m:N2}", await page.Locator("[data-tile='balance']").InnerTextAsync());
        Assert.NotEqual("₹0.00/h", await page.Locator("[data-tile='burn']").InnerTextAsync());
        Assert.Contains("UTC", await page.Locator("[data-tile='runout']").InnerTextAsync(), StringComparison.Ordinal);
        var settlement = page.Locator("tr[data-entry='settlement']", new() { HasText = callId });
        await Assertions.Expect(settlement).ToHaveCountAsync(1);
        Assert.Contains($"-₹{ended.CreditsDebitedPaise / 100m:N2}", await settlement.InnerTextAsync(), StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("tr[data-entry='topup']")).Not.ToHaveCountAsync(0);
        await Screenshots.SaveAsync(page, "credits");
    }
}
