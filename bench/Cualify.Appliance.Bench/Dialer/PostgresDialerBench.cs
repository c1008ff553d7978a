using System.Diagnostics;
using System.Globalization;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Dialer;
using Cualify.Appliance.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Cualify.Appliance.Bench.Dialer;

/// <summary>
/// Admission alone (every check and the reservation, calls not started) on PostgreSQL with 1…N nodes sharing one
/// database, against, in the same run, the same admission on SQLite, the raw SQLite claim + reserve and the raw
/// Npgsql claim + reserve. Besides calls/s it reports CPU per admitted call: the bench process (the nodes run in
/// it) and the PostgreSQL server (postmaster and backends), since on a shared 2-core box CPU is the limit.
/// </summary>
internal static class PostgresDialerBench
{
    private sealed record Sample(double PerSecond, double ClientCpuMsPerCall, double ServerCpuMsPerCall);

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var calls = args.Int("calls", 3000);
        var orgs = args.Int("orgs", 4);
        var runs = args.Int("runs", 3);
        var maxNodes = args.Int("nodes", 3);
        var server = await PostgresServer.GetAsync();

        var samples = new Dictionary<string, List<Sample>>();
        void Add(string what, Sample sample) => (samples.TryGetValue(what, out var list) ? list : samples[what] = []).Add(sample);
        for (var run = 0; run < runs; run++)
        {
            Console.Error.WriteLine($"Run {run + 1}/{runs}: {calls} calls, load average {LoadAverage()} …");
            Add("SQLite: admission alone", await AdmitAsync(server, StoreProvider.Sqlite, calls, orgs, 1));
            Add("SQLite: raw claim + reserve", await RawSqliteAsync(server, calls, orgs));
            for (var nodes = 1; nodes <= maxNodes; nodes++)
            {
                Add($"PostgreSQL: admission alone, {nodes} node{(nodes == 1 ? "" : "s")}", await AdmitAsync(server, StoreProvider.Postgres, calls, orgs, nodes));
            }

            Add("PostgreSQL: raw Npgsql claim + reserve", await RawNpgsqlAsync(server, calls, orgs));
        }

        var sqliteRaw = Median(samples["SQLite: raw claim + reserve"].Select(s => s.PerSecond));
        var npgsqlRaw = Median(samples["PostgreSQL: raw Npgsql claim + reserve"].Select(s => s.PerSecond));
        Console.WriteLine("| what | calls admitted/s (median) | ratio to raw of its store | bench CPU ms/call | PostgreSQL CPU ms/call | runs (calls/s) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---|");
        foreach (var (what, list) in samples)
        {
            var rate = Median(list.Select(s => s.PerSecond));
            var reference = what.StartsWith("SQLite", StringComparison.Ordinal) ? sqliteRaw : npgsqlRaw;
            var serverCpu = what.StartsWith("SQLite", StringComparison.Ordinal) ? "–" : Median(list.Select(s => s.ServerCpuMsPerCall)).ToString("F2", CultureInfo.InvariantCulture);
            Console.WriteLine($"| {what} | {rate:F0} | {rate / reference:F2} | {Median(list.Select(s => s.ClientCpuMsPerCall)):F2} | {serverCpu} | " +
                $"{string.Join(", ", list.Select(s => s.PerSecond.ToString("F0", CultureInfo.InvariantCulture)))} |");
        }

        Console.WriteLine($"Machine: {MachineInfo.Describe()}; load average after the run {LoadAverage()}; batch {new DialerOptions().AdmissionBatchSize}; " +
            "PostgreSQL 15 with fsync=off, synchronous_commit=off (the test server's settings), SQLite synchronous=FULL");
        return 0;
    }

    private static async Task<Sample> AdmitAsync(PostgresServer server, string provider, int calls, int orgs, int nodeCount)
    {
        await using var world = await DialerBenchWorld.CreateAsync(orgs, calls, withDialer: true, provider);
        var admissions = new List<CallAdmission> { world.Get<CallAdmission>() };
        for (var i = 1; i < nodeCount; i++)
        {
            admissions.Add(world.AddNode(withDialer: true).GetRequiredService<CallAdmission>());
        }

        var count = 0;
        var meters = Meters(server, provider);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(admissions.Select(admission => Task.Run(async () =>
        {
            var idle = 0;
            while (Volatile.Read(ref count) < calls)
            {
                var round = await admission.AdmitAsync();
                Interlocked.Add(ref count, round.Admitted.Count);
                idle = round.Admitted.Count == 0 ? idle + 1 : 0;
                if (idle > 1000)
                {
                    throw new InvalidOperationException($"Admission stalled after {count} calls");
                }
            }
        })));
        return Measure(count, clock, meters);
    }

    private static async Task<Sample> RawSqliteAsync(PostgresServer server, int calls, int orgs)
    {
        await using var world = await DialerBenchWorld.CreateAsync(orgs, calls, withDialer: false);
        var store = world.Get<ApplianceStore>();
        var batch = world.Get<IOptions<DialerOptions>>().Value.AdmissionBatchSize;
        var count = 0;
        var meters = Meters(server, StoreProvider.Sqlite);
        var clock = Stopwatch.StartNew();
        while (count < calls)
        {
            count += await RawClaimAndReserve.RoundAsync(store, batch);
        }

        return Measure(count, clock, meters);
    }

    private static async Task<Sample> RawNpgsqlAsync(PostgresServer server, int calls, int orgs)
    {
        await using var world = await DialerBenchWorld.CreateAsync(orgs, calls, withDialer: false, StoreProvider.Postgres);
        await using var dataSource = NpgsqlDataSource.Create(world.ConnectionString!);
        var batch = world.Get<IOptions<DialerOptions>>().Value.AdmissionBatchSize;
        var count = 0;
        var meters = Meters(server, StoreProvider.Postgres);
        var clock = Stopwatch.StartNew();
        while (count < calls)
        {
            count += await RawNpgsqlClaimAndReserve.RoundAsync(dataSource, batch);
        }

        return Measure(count, clock, meters);
    }

    private static (CpuMeter Client, CpuMeter? Server) Meters(PostgresServer server, string provider) =>
        (CpuMeter.OfThisProcess(), provider == StoreProvider.Postgres ? CpuMeter.OfPostgres(server.DataDir) : null);

    private static Sample Measure(int count, Stopwatch clock, (CpuMeter Client, CpuMeter? Server) meters) =>
        new(count / clock.Elapsed.TotalSeconds, meters.Client.ElapsedMilliseconds() / count, (meters.Server?.ElapsedMilliseconds() ?? 0) / count);

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
