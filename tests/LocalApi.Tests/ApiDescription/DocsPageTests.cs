using System.Collections.Concurrent;
using Cualify.Appliance.Testing;
using Microsoft.Playwright;

namespace Cualify.Appliance.LocalApi.Tests.ApiDescription;

/// <summary>/docs in Debian's Chromium: every operation is on the page, and nothing is fetched from outside the box.</summary>
public sealed class DocsPageTests
{
    [Fact]
    public async Task The_docs_page_renders_every_operation_and_asks_no_host_but_the_appliance()
    {
        var chromium = RequiredTool.Find("chromium", "apt-get install chromium", "/usr/bin/chromium");
        await using var appliance = await RunningAppliance.StartAsync();
        var doc = await OpenApiDocumentTests.DocumentAsync(appliance);
        var summaries = OpenApiDocumentTests.Operations(doc).Select(o => (string)o.Operation["summary"]!).Distinct().ToList();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox"],
        });
        var page = await browser.NewPageAsync();
        var requested = new ConcurrentBag<string>();
        page.Request += (_, request) => requested.Add(request.Url);
        var failures = new ConcurrentBag<string>();
        page.PageError += (_, error) => failures.Add(error);

        var response = await page.GotoAsync(new Uri(appliance.BaseAddress, "/docs").ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });
        Assert.Equal(200, response!.Status);
        await page.WaitForFunctionAsync(
            "names => names.every(n => document.body.innerText.includes(n))", summaries,
            new PageWaitForFunctionOptions { Timeout = 60_000 });
        var text = await page.InnerTextAsync("body");

        Assert.All(summaries, summary => Assert.Contains(summary, text, StringComparison.Ordinal));
        Assert.Contains("Cualify Appliance API", text, StringComparison.Ordinal);
        Assert.Empty(failures);
        var outside = requested.Where(url => url.StartsWith("http", StringComparison.Ordinal) && new Uri(url).Authority != appliance.BaseAddress.Authority).Distinct().ToList();
        Assert.True(outside.Count == 0, "The docs page fetched from outside the appliance: " + string.Join(", ", outside));
        Assert.Contains(requested, url => url.EndsWith("/api/v1/openapi.json", StringComparison.Ordinal));
    }
}
