using System.Diagnostics;
using System.Globalization;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Credits;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Microsoft.Playwright;

namespace Cualify.Appliance.Bench.OperatorConsole;

/// <summary>
/// The console's Live page in Debian's Chromium with N live simulator calls: server CPU per stream update
/// (against the CPU of rendering the whole page once, same run), and the time from a call's status change in the
/// store to the browser showing it (hang-ups, one at a time; goal p95 ≤ 1 s).
/// </summary>
public static class ConsoleLiveBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchArgs(args);
        var calls = options.Int("calls", 500);
        var seconds = options.Int("seconds", 20);
        var hangups = options.Int("hangups", 40);
        Console.WriteLine($"console-live: {calls} live calls, {seconds} s of updates, {hangups} hang-ups; {MachineInfo.Describe()}");

        await using var appliance = await RunningAppliance.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Dialer:MaxConcurrentCalls"] = "100000",
            ["Dialer:CallsPerSecond"] = "10000",
            ["Dialer:MaxCallDuration"] = "02:00:00",
        });
        var org = (await appliance.Get<OrgStore>().FindAsync(OrgStore.DefaultName))!;
        await appliance.Get<OrgStore>().UpdateTermsAsync(org.Id, new OrgTermsChange(MaxConcurrentCalls: 100_000, CallsPerSecond: 10_000, RateLimitPerMinute: 100_000));
        await appliance.Get<OrgStore>().UpdateSettingsAsync(org.Id, new OrgSettingsChange(CallingHours: "* * * * *", MaxAttemptsPerDay: 100));
        await appliance.Get<CreditLedger>().TopUpAsync(org.Id, 10_000_000_000, "bench");
        var playbook = await appliance.Get<PlaybookStore>().CreateAsync(org.Id, new PlaybookInput("bench", "en-IN", 3600));
        var ids = new List<string>();
        await appliance.Get<ApplianceStore>().WriteAsync(async tx =>
        {
            for (var i = 0; i < calls; i++)
            {
                var number = $"+91981{i:D5}88"; // …88: answers and stays on until hung up
                await appliance.Get<ContactStore>().InsertAsync(tx, org.Id, ContactNormalizer.Normalize(new ContactInput(number, ConsentCapture: "imported"), true));
                ids.Add((await appliance.Get<CallPlacement>().QueueAsync(tx, org.Id, new CallRequest(playbook.Id, number))).Id);
            }
        });
        var reader = appliance.Get<CallReader>();
        var live = appliance.Get<LiveCallBoard>();
        var ready = Stopwatch.StartNew();
        while ((await live.ReadAsync(org.Id)).Count(CallStatus.InProgress) < calls)
        {
            if (ready.Elapsed > TimeSpan.FromMinutes(3))
            {
                Console.WriteLine("the calls did not all come up within 3 minutes");
                return 1;
            }

            await Task.Delay(500);
        }

        var key = (await appliance.Get<ApiKeyStore>().CreateAsync(org.Id, new NewApiKey("bench", Scope.Read))).FullKey;
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ["--no-sandbox"] });
        var page = await (await browser.NewContextAsync(new() { BaseURL = appliance.BaseAddress.ToString() })).NewPageAsync();
        await page.GotoAsync("/console/signin");
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync("**/console/live");

        // Reference: the CPU of rendering the whole page (all rows) once, measured the same way.
        using var pageClient = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = appliance.BaseAddress };
        var cookie = string.Join("; ", (await page.Context.CookiesAsync()).Select(c => $"{c.Name}={c.Value}"));
        pageClient.DefaultRequestHeaders.Add("Cookie", cookie);
        var idleCpu = await CpuOverAsync(TimeSpan.FromSeconds(3), () => Task.CompletedTask); // the stream alone, for subtracting
        const int renders = 20;
        var renderCpu = await CpuOverAsync(TimeSpan.Zero, async () =>
        {
            for (var i = 0; i < renders; i++)
            {
                await pageClient.GetStringAsync("/console/live");
            }
        });

        // Updates: the page counts each board replacement the stream delivers.
        await page.EvaluateAsync("() => { window.updates = 0; new MutationObserver(() => window.updates++).observe(document.getElementById('live-board'), { childList: true }); }");
        var before = Process.GetCurrentProcess().TotalProcessorTime;
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var streamCpu = Process.GetCurrentProcess().TotalProcessorTime - before;
        var updates = await page.EvaluateAsync<int>("() => window.updates");

        // Status change → browser: hang up calls one at a time; the change is the call turning final in the store.
        var latencies = new Latencies();
        await page.EvaluateAsync("() => { window.gone = {}; new MutationObserver(() => { document.querySelectorAll('tr[data-call]').length; }).observe(document.body, { childList: true, subtree: true }); }");
        foreach (var id in ids.Take(hangups))
        {
            await appliance.Get<CallLifecycle>().CancelAsync(org.Id, id);
            while (!(await reader.GetAsync(id))!.IsFinal)
            {
                await Task.Delay(5);
            }

            var changed = DateTimeOffset.UtcNow;
            await page.Locator($"tr[data-call='{id}']").WaitForAsync(new() { State = WaitForSelectorState.Detached, Timeout = 30_000 });
            latencies.Add((DateTimeOffset.UtcNow - changed).TotalMilliseconds);
        }

        var perUpdate = updates == 0 ? double.NaN : streamCpu.TotalMilliseconds / updates;
        var perRender = renderCpu.TotalMilliseconds / renders;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"updates {updates} in {seconds} s; process CPU {streamCpu.TotalMilliseconds:0} ms → {perUpdate:0.0} ms per update (whole process: dialer, simulator, store included; idle 3 s with the stream: {idleCpu.TotalMilliseconds:0} ms)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"reference: full page render {perRender:0.0} ms CPU each ({renders} renders); ratio update / render {perUpdate / perRender:0.00}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"status change → browser over {latencies.Count} hang-ups: p50 {latencies.Percentile(50):0} ms, p95 {latencies.Percentile(95):0} ms, max {latencies.Percentile(100):0} ms (goal p95 ≤ 1000 ms)"));
        Console.WriteLine($"after: {MachineInfo.Describe()}");
        return 0;
    }

    private static async Task<TimeSpan> CpuOverAsync(TimeSpan wait, Func<Task> work)
    {
        var before = Process.GetCurrentProcess().TotalProcessorTime;
        await work();
        await Task.Delay(wait);
        return Process.GetCurrentProcess().TotalProcessorTime - before;
    }
}
