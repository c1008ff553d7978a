using System.Diagnostics;
using System.Globalization;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Dialer.Live;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Bench.Dialer;

/// <summary>
/// How many calls per second the dialer admits: the claim, every policy check (plan, do-not-contact, consent,
/// calling hours in the callee's zone, attempt cap, global and per-org concurrency and rate) and the credit
/// reservation, in the admission's store transactions. Measured with every admitted call started on the
/// simulator (whose progress reports then compete for the store) and admission alone; reference, same run and
/// same store settings: the raw SQLite claim + reserve transaction with no policy checks. <c>--store postgres</c>
/// runs <see cref="PostgresDialerBench"/> instead.
/// </summary>
public static class DialerBench
{
    public static async Task<int> RunAsync(string[] arguments)
    {
        var args = new BenchArgs(arguments);
        if (args.Get("store", StoreProvider.Sqlite) == StoreProvider.Postgres)
        {
            return await PostgresDialerBench.RunAsync(args);
        }

        var calls = args.Int("calls", 3000);
        var orgs = args.Int("orgs", 4);
        var runs = args.Int("runs", 5);

        var withSimulator = new List<double>();
        var admissionOnly = new List<double>();
        var raw = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            Console.Error.WriteLine($"Run {run + 1}/{runs}: {calls} calls, load average {LoadAverage()} …");
            withSimulator.Add(await AdmitAllAsync(calls, orgs, startOnSimulator: true));
            admissionOnly.Add(await AdmitAllAsync(calls, orgs, startOnSimulator: false));
            raw.Add(await RawAsync(calls, orgs));
        }

        var reference = Median(raw);
        Console.WriteLine($"| Admission + every call started on the simulator (all checks, reservation) | {Median(withSimulator):F0} calls/s | {Median(withSimulator) / reference:F2} | {Runs(withSimulator)} |");
        Console.WriteLine($"| Admission alone (all checks, reservation) | {Median(admissionOnly):F0} calls/s | {Median(admissionOnly) / reference:F2} | {Runs(admissionOnly)} |");
        Console.WriteLine($"| Reference: raw SQLite claim + reserve, no checks | {reference:F0} calls/s | 1.00 | {Runs(raw)} |");
        Console.WriteLine($"Machine: {MachineInfo.Describe()}; load average after the run {LoadAverage()}; batch {new DialerOptions().AdmissionBatchSize}, synchronous=FULL");
        return 0;
    }

    private static async Task<double> AdmitAllAsync(int calls, int orgs, bool startOnSimulator)
    {
        await using var world = await DialerBenchWorld.CreateAsync(orgs, calls, withDialer: true);
        var admission = world.Get<CallAdmission>();
        var liveCalls = world.Get<LiveCalls>();
        var count = 0;
        var clock = Stopwatch.StartNew();
        while (count < calls)
        {
            var round = await admission.AdmitAsync();
            if (startOnSimulator)
            {
                foreach (var ticket in round.Admitted)
                {
                    liveCalls.Start(ticket);
                }
            }

            count += round.Admitted.Count;
            if (round.Admitted.Count == 0)
            {
                throw new InvalidOperationException($"Admission stalled after {count} calls");
            }
        }

        var rate = count / clock.Elapsed.TotalSeconds;
        await liveCalls.StopAllAsync(CancellationToken.None);
        return rate;
    }

    private static async Task<double> RawAsync(int calls, int orgs)
    {
        await using var world = await DialerBenchWorld.CreateAsync(orgs, calls, withDialer: false);
        var store = world.Get<ApplianceStore>();
        var batch = world.Get<IOptions<DialerOptions>>().Value.AdmissionBatchSize;
        var count = 0;
        var clock = Stopwatch.StartNew();
        while (count < calls)
        {
            count += await RawClaimAndReserve.RoundAsync(store, batch);
        }

        return count / clock.Elapsed.TotalSeconds;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string Runs(List<double> rates) => string.Join(", ", rates.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)));

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
