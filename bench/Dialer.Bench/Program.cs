using System.Diagnostics;
using System.Globalization;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Dialer.Bench;
using Cualify.Appliance.Dialer.Calls;
using Microsoft.Extensions.Options;

// How many calls per second the dialer can admit: claim, every policy check (plan, do-not-contact, consent,
// calling hours in the callee's zone, attempt cap, global and per-org concurrency and rate) and the credit
// reservation, in the admission's store transactions. Measured twice: with every admitted call started on the
// simulator (whose ringing/answered reports then compete for the store), and admission alone. Reference, same
// run and same store settings: the raw SQLite claim + reserve transaction with no policy checks.
var calls = Argument("--calls", 4000);
var orgs = Argument("--orgs", 4);
var runs = Argument("--runs", 3);

var withSimulator = new List<double>();
var admissionOnly = new List<double>();
var raw = new List<double>();
for (var run = 0; run < runs; run++)
{
    withSimulator.Add(await AdmitAllAsync(startOnSimulator: true));
    admissionOnly.Add(await AdmitAllAsync(startOnSimulator: false));
    raw.Add(await RawAsync());
}

var reference = Median(raw);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"calls={calls} orgs={orgs} runs={runs} batch={new DialerOptions().AdmissionBatchSize} cores={Environment.ProcessorCount} synchronous=FULL"));
Report("admission + simulator start (all checks, reservation)", withSimulator);
Report("admission alone (all checks, reservation)", admissionOnly);
Report("reference: raw SQLite claim + reserve, no checks", raw);
return;

async Task<double> AdmitAllAsync(bool startOnSimulator)
{
    await using var world = await BenchWorld.CreateAsync(orgs, calls, withDialer: true);
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

async Task<double> RawAsync()
{
    await using var world = await BenchWorld.CreateAsync(orgs, calls, withDialer: false);
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

void Report(string what, List<double> rates) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{what,-56} median {Median(rates),6:0} calls/s  ratio to reference {Median(rates) / reference:0.00}  runs [{string.Join(", ", rates.Select(r => r.ToString("0", CultureInfo.InvariantCulture)))}]"));

int Argument(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted[sorted.Count / 2];
}
