using Cualify.Appliance.Testing;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Cualify.Appliance.OperatorConsole.Tests.Support;

/// <summary>Debian's Chromium driven by Playwright (its own browser download cannot work here), headless.</summary>
public sealed class ConsoleBrowser : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly List<IBrowserContext> _contexts = [];

    private ConsoleBrowser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    public static async Task<ConsoleBrowser> LaunchAsync()
    {
        var chromium = RequiredTool.Find("chromium", "apt-get install chromium", "/usr/bin/chromium");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox"],
        });
        return new ConsoleBrowser(playwright, browser);
    }

    /// <summary>A fresh browser profile (own cookies) at 1280 px wide, or tablet width when asked.</summary>
    public async Task<IPage> NewPageAsync(Uri baseAddress, int width = 1280, int height = 800)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        lock (_contexts)
        {
            _contexts.Add(context);
        }

        return await context.NewPageAsync();
    }

    /// <summary>Closes every profile opened so far, with its pages (and a Live page's event stream).</summary>
    public async Task CloseContextsAsync()
    {
        IBrowserContext[] open;
        lock (_contexts)
        {
            open = [.. _contexts];
            _contexts.Clear();
        }

        foreach (var context in open)
        {
            await context.CloseAsync();
        }
    }

    /// <summary>Opens the console (which sends to sign-in), signs in with the key and waits for Live.</summary>
    public async Task<IPage> SignedInAsync(Uri baseAddress, string key, int width = 1280)
    {
        var page = await NewPageAsync(baseAddress, width);
        await page.GotoAsync("/console");
        Assert.EndsWith("/console/signin", page.Url, StringComparison.Ordinal);
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        try
        {
            await page.ArrivesAtAsync("**/console/live");
        }
        catch (TimeoutException timeout)
        {
            var text = await page.Locator("body").InnerTextAsync(new() { Timeout = 5_000 }).ContinueWith(read => read.IsCompletedSuccessfully ? read.Result : "(unreadable)", TaskScheduler.Default);
            throw new TimeoutException($"Sign-in did not reach Live: the page is at {page.Url} and shows: {text}", timeout);
        }

        return page;
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}

public static class PageArrival
{
    /// <summary>
    /// Waits until the page is at <paramref name="url"/> (a glob: <c>**</c> any text, <c>*</c> any text without a
    /// slash, everything else literal) and its whole server-rendered document has been parsed (the script tag that
    /// closes every console page is in the DOM). It polls the address rather than waiting for load events: when
    /// the page is already at a matching address (a form that posts back to the page it is on), Playwright's
    /// wait for a URL waits on the load state of a document that is being replaced, and at times never returns.
    /// </summary>
    public static Task ArrivesAtAsync(this IPage page, string url, float? timeout = null) => ArrivesAtAsync(page, Glob(url), timeout);

    /// <inheritdoc cref="ArrivesAtAsync(IPage, string, float?)"/>
    public static async Task ArrivesAtAsync(this IPage page, Regex url, float? timeout = null)
    {
        await Assertions.Expect(page).ToHaveURLAsync(url, new() { Timeout = timeout ?? 30_000 });
        await page.Locator("script[src$='/console.js']").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = timeout ?? 30_000 });
    }

    private static Regex Glob(string glob) =>
        new("^" + Regex.Escape(glob).Replace(@"\*\*", ".*", StringComparison.Ordinal).Replace(@"\*", "[^/]*", StringComparison.Ordinal) + "$");
}
