using System.Diagnostics;
using System.Text.RegularExpressions;
using Cualify.Appliance.Core;
using Cualify.Appliance.Core.Metrics;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Dialer.Speech;
using Cualify.Appliance.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cualify.Appliance.Bench.Speech;

/// <summary>
/// Speech bench: a campaign of <c>--calls</c> calls (default 1000) on one recorded playbook, through the same
/// <see cref="SpeechCache"/> the dialer uses. The playbook is prepared once (as at save: the notice, disclosure and
/// message synthesised), then every call looks its three prompts up. Reports synthesis time per prompt against the
/// reference — espeak-ng run alone on the same text, in the same run — the lookup time per call, and the cache hit
/// rate read from <c>cualify_speech_cache_total</c>. <c>bench speech [--calls 1000] [--rounds 3]</c>
/// </summary>
public static partial class SpeechBench
{
    private static readonly string[] Prompts =
    [
        "This call is recorded.",
        "This is an automated call from Acme Insurance about your policy.",
        "Your policy renews next Friday. Press 1 to talk to an agent, or 9 to stop these calls.",
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchArgs(args);
        var calls = options.Int("calls", 1000);
        var rounds = options.Int("rounds", 3);
        Console.WriteLine($"# Speech bench {DateTimeOffset.UtcNow:u} on {MachineInfo.Describe()}");

        var synthesis = new List<double>();
        var reference = new List<double>();
        double lookupMs = 0;
        long hits = 0, misses = 0;
        for (var round = 0; round < rounds; round++)
        {
            using var data = new TempDirectory("bench-speech");
            await using var services = Services(data.Path);
            await services.GetRequiredService<Migrator>().MigrateAsync();
            var cache = services.GetRequiredService<SpeechCache>();
            var engine = services.GetRequiredService<EspeakEngine>();
            var voice = await engine.VoiceForAsync("en-IN", null, CancellationToken.None) ?? throw new InvalidOperationException("espeak-ng has no en-IN voice");

            foreach (var text in Prompts)
            {
                var started = Stopwatch.GetTimestamp();
                await engine.SynthesizeAsync(text, voice, CancellationToken.None);
                reference.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);

                started = Stopwatch.GetTimestamp();
                await cache.GetAsync("org_bench", text, "en-IN", null, CancellationToken.None);
                synthesis.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            var campaign = Stopwatch.GetTimestamp();
            for (var call = 0; call < calls; call++)
            {
                foreach (var text in Prompts)
                {
                    await cache.GetAsync("org_bench", text, "en-IN", null, CancellationToken.None);
                }
            }

            lookupMs = Stopwatch.GetElapsedTime(campaign).TotalMilliseconds / calls;
            var scrape = await services.GetRequiredService<ApplianceMetrics>().ScrapeAsync(CancellationToken.None);
            hits = Count(scrape, "hit");
            misses = Count(scrape, "miss");
        }

        synthesis.Sort();
        reference.Sort();
        var ours = synthesis[synthesis.Count / 2];
        var alone = reference[reference.Count / 2];
        Console.WriteLine($"\n| measurement ({rounds} rounds, {Prompts.Length} prompts each) | ours | espeak-ng alone (reference) | ratio |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine($"| synthesis per prompt, median (espeak-ng + G.711 conversion + files) | {ours:0} ms | {alone:0} ms | {ours / alone:0.00} |");
        Console.WriteLine($"| synthesis per prompt, max | {synthesis[^1]:0} ms | {reference[^1]:0} ms | |");
        Console.WriteLine($"| lookup of a call's {Prompts.Length} prompts (cache hit) | {lookupMs * 1000:0} µs | | |");
        Console.WriteLine($"| cache over a {calls}-call campaign (last round) | {hits} hits, {misses} misses: {(double)hits / (hits + misses):P2} hit rate | | |");
        return 0;
    }

    private static ServiceProvider Services(string dataDir)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Store:Path"] = Path.Combine(dataDir, "appliance.db"),
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton(new DataDirectory(dataDir));
        services.AddApplianceCore(configuration);
        services.AddSpeech(configuration);
        return services.BuildServiceProvider();
    }

    private static long Count(string scrape, string result) =>
        CacheLine().Matches(scrape).Where(m => m.Groups["result"].Value == result).Sum(m => long.Parse(m.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture));

    [GeneratedRegex("""^cualify_speech_cache_total\{result="(?<result>\w+)"\} (?<value>\d+)""", RegexOptions.Multiline)]
    private static partial Regex CacheLine();
}
