using Cualify.Appliance.Testing;
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
            // The board is server-rendered, so the parsed document is enough; later assertions wait for what they read.
            await page.WaitForURLAsync("**/console/live", new() { WaitUntil = WaitUntilState.DOMContentLoaded });
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
