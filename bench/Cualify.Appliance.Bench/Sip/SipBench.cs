using System.Globalization;
using Cualify.Appliance.Dialer.Sip;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cualify.Appliance.Bench.Sip;

/// <summary>
/// SIP bench: sipp's built-in UAS on loopback; our user agent and sipp's built-in UAC (the reference) against it in
/// the same run. <c>bench sip [cps|concurrent|recorded|all] [--rates 100,200,…] [--seconds 10] [--concurrent 500,1000]
/// [--ramp 200] [--hold 30] [--rtp-echo] [--transport udp|tcp] [--ours-only] [--retained]</c>; <c>srtp</c>: concurrent calls with SRTP both ways against plain RTP, same run; with tcp both user agents keep one TCP connection
/// to the UAS (ours by <c>Dialer:Sip:Transport=tcp</c>, sipp's by <c>-t t1</c>). <c>recorded</c>: concurrent calls with RTP echo and every call recorded,
/// passing while at most 1 % of our audio frames leave more than 10 ms late; also the disk bytes per recorded minute.
/// </summary>
public static class SipBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var mode = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "all";
        var options = new BenchArgs(args);
        int[] rates = options.Get("rates", "100,200,400,600,800,1000,1200,1500,2000").Split(',').Select(int.Parse).ToArray();
        var seconds = options.Int("seconds", 10);
        int[] concurrent = options.Get("concurrent", "500,1000,1500").Split(',').Select(int.Parse).ToArray();
        var ramp = options.Int("ramp", 200);
        var holdSeconds = options.Int("hold", 30);
        var rtpEcho = args.Contains("--rtp-echo") || mode is "recorded" or "srtp";
        var transport = options.Get("transport", "udp");
        // Only our steps (sipp's UAC not run): for A/B runs of our stack, where sipp's ceiling is not the question.
        var oursOnly = args.Contains("--ours-only");
        var retained = args.Contains("--retained");

        Console.WriteLine($"# SIP bench over {transport} {DateTimeOffset.UtcNow:u} on {MachineInfo.Describe()}, load average {LoadAverage()}");
        var sippTransport = transport == "tls" ? "tcp" : transport;
        await using var uas = Sipp.StartUas(rtpEcho, sippTransport);
        await Task.Delay(500);
        await using var tls = transport == "tls" ? TlsTrunk.Start(uas.Port) : null;
        var sipOptions = new SipOptions
        {
            Trunk = $"127.0.0.1:{tls?.Port ?? uas.Port}",
            // sipp's Contact names its plain TCP port: in-dialog requests go through the front end too.
            OutboundProxy = tls is null ? null : $"127.0.0.1:{tls.Port}",
            TlsCaFile = tls?.CaFile,
            Transport = transport,
            LocalAddress = "127.0.0.1",
            LocalPort = 0,
            RtpPorts = "20000-39999",
            DigitWait = TimeSpan.FromMinutes(5),
            // sipp's UAS without -rtp_echo sends no media: calls held longer than the default 30 s must not end media_timeout.
            MediaTimeout = TimeSpan.FromHours(1),
        };
        await using var stack = await SipStack.StartAsync(sipOptions, TimeProvider.System, NullLoggerFactory.Instance);

        // Warm-up (not reported): JIT tiers and the thread pool settle before anything is measured.
        var warmUp = await LoadRunner.RunAsync(stack, 300, 3000, TimeSpan.Zero);
        Console.WriteLine($"warm-up: {warmUp.Completed}/{warmUp.Calls} calls completed; media clock scheduling: {stack.UserAgent.Media.Clock.Scheduling}");
        await Sipp.SettleAsync();

        if (mode is "cps" or "all")
        {
            Console.WriteLine($"\n## Calls per second ({seconds} s of calls per step, hold 0 s, zero failures required)");
            Console.WriteLine("| target cps | ours: achieved | ours: result | sipp uac: result |");
            Console.WriteLine("|---:|---:|---|---|");
            int bestOurs = 0, bestSipp = 0;
            bool oursFailed = false, sippFailed = false;
            foreach (var rate in rates)
            {
                var calls = rate * seconds;
                string ourText = "not run", sippText = "not run";
                if (!oursFailed)
                {
                    var failedBefore = uas.FailedCalls;
                    using var sampler = args.Contains("--alloc-types") ? new AllocationSampler() : null;
                    var ports = new RtpPortWatch(stack.UserAgent.Media.Ports);
                    var cost = PerCallCost.Start();
                    var result = await LoadRunner.RunAsync(stack, rate, calls, TimeSpan.Zero);
                    var perCall = cost.Stop(calls);
                    await ports.DisposeAsync();
                    if (retained)
                    {
                        // What the step's calls left behind (Accepted INVITEs until timer M, BYEs until timer K), with
                        // the garbage gone: does not depend on how busy the machine is. Changes the next step's heap.
                        GC.Collect();
                        GC.WaitForPendingFinalizers();
                        GC.Collect();
                        perCall += $", live after a full GC {GC.GetTotalMemory(false) / 1048576.0:0.0} MB with {stack.UserAgent.Transactions.ClientTransactionCount} client transactions";
                    }
                    perCall += $", RTP ports held at most {ports.Peak} of {(sipOptions.RtpPortRange.Last - sipOptions.RtpPortRange.First) / 2 + 1}";
                    if (sampler is not null)
                    {
                        Console.WriteLine($"allocations sampled during {rate} calls/s, by type:\n{sampler.Report()}");
                    }
                    await Sipp.SettleAsync();
                    var uasFailed = uas.FailedCalls - failedBefore;
                    var ok = result.Clean && uasFailed == 0 && result.AchievedRate >= rate * 0.95;
                    ourText = ok ? "0 failed" : $"FAILED: {Describe(result.Failures)} uas_failed={uasFailed} {uas.ErrorSummary()}";
                    ourText = $"{result.AchievedRate:0} | {ourText} ({perCall})";
                    if (ok)
                    {
                        bestOurs = rate;
                    }
                    else
                    {
                        oursFailed = true;
                    }
                }
                else
                {
                    ourText = "- | stopped";
                }

                if (!sippFailed && !oursOnly)
                {
                    var failedBefore = uas.FailedCalls;
                    var (exit, elapsed, failed) = await Sipp.RunUacAsync(uas.Port, rate, calls, 0, sippTransport);
                    await Sipp.SettleAsync();
                    var uasFailed = uas.FailedCalls - failedBefore;
                    var achieved = calls / Math.Max(0.001, elapsed - 0.2);
                    var ok = exit == 0 && failed == 0 && uasFailed == 0 && achieved >= rate * 0.95;
                    sippText = ok ? $"0 failed ({achieved:0} achieved)" : $"FAILED exit={exit} failed={failed} uas_failed={uasFailed} ({achieved:0} achieved)";
                    if (ok)
                    {
                        bestSipp = rate;
                    }
                    else
                    {
                        sippFailed = true;
                    }
                }
                else
                {
                    sippText = "stopped";
                }

                Console.WriteLine($"| {rate} | {ourText} | {sippText} |");
                if (oursFailed && (sippFailed || oursOnly))
                {
                    break;
                }
            }

            Console.WriteLine($"\nHighest zero-failure cps: ours {bestOurs}, sipp {bestSipp}, ratio {(bestSipp == 0 ? double.NaN : (double)bestOurs / bestSipp):0.00}");
        }

        if (mode is "concurrent" or "all")
        {
            Console.WriteLine($"\n## Concurrent answered calls with RTP (ramp {ramp} cps, each call hung up {holdSeconds} s after its 200 OK, RTP echo {(rtpEcho ? "on" : "off")})");
            Console.WriteLine("| calls | peak answered at once | failed | RTP sent pkt/s (per call) | BYE error p50 / p99 / max ms |");
            Console.WriteLine("|---:|---:|---|---:|---|");
            foreach (var count in concurrent)
            {
                var failedBefore = uas.FailedCalls;
                var result = await LoadRunner.RunAsync(stack, ramp, count, TimeSpan.FromSeconds(holdSeconds), rtpWindowAfterRamp: TimeSpan.FromSeconds(5));
                await Sipp.SettleAsync();
                var uasFailed = uas.FailedCalls - failedBefore;
                var failed = result.Clean && uasFailed == 0 ? "0" : $"{Describe(result.Failures)} uas_failed={uasFailed}";
                Console.WriteLine($"| {count} | {result.PeakAnswered} | {failed} | {result.RtpPacketsPerSecond:0} ({result.RtpPerCall:0.0}) | {result.ByeP50Ms:0.0} / {result.ByeP99Ms:0.0} / {result.ByeMaxMs:0.0} (n={result.ByeSamples}) |");
                if (!result.Clean || uasFailed != 0)
                {
                    break;
                }
            }
        }
        if (mode == "recorded")
        {
            await RecordedAsync(stack, uas, concurrent, ramp, holdSeconds);
        }

        if (mode == "srtp")
        {
            await SrtpBench.RunAsync(stack, uas, sipOptions, concurrent, ramp, holdSeconds);
        }

                Console.WriteLine($"\nload average after: {LoadAverage()}");
                return 0;
    }

    private static async Task RecordedAsync(SipStack stack, Sipp uas, int[] concurrent, int ramp, int holdSeconds)
    {
        Console.WriteLine($"\n## Concurrent answered calls with RTP echo and recording on (ramp {ramp} cps, hold {holdSeconds} s; pass: 0 failed and <= 1 % of frames sent > 10 ms late)");
        Console.WriteLine("| calls | peak answered at once | failed | frames sent | late > 10 ms | RTP pkt/s per call | bench process CPU ms per call-second | GC pauses (collections), allocated per frame sent | recorded: files, MB, bytes per minute, seconds dropped (disk behind) |");
        Console.WriteLine("|---:|---:|---|---:|---:|---:|---:|---|---|");
        var best = 0;
        foreach (var count in concurrent)
        {
            // The reference, in the same run: the same calls without recording.
            var cost = StepCost.Start(count, holdSeconds);
            var plain = await LoadRunner.RunAsync(stack, ramp, count, TimeSpan.FromSeconds(holdSeconds), rtpWindowAfterRamp: TimeSpan.FromSeconds(5));
            var plainCost = cost.Describe(plain.FramesSent);
            await Sipp.SettleAsync();
            Console.WriteLine($"| {count}, not recorded (reference) | {plain.PeakAnswered} | {(plain.Clean ? "0" : Describe(plain.Failures))} | {plain.FramesSent} | {plain.FramesLate} ({plain.LateShare:P2}) | {plain.RtpPerCall:0.0} | {plainCost} | – |");

            using var folder = new Cualify.Appliance.Testing.TempDirectory("bench-recordings");
            var failedBefore = uas.FailedCalls;
            var droppedBefore = stack.UserAgent.Media.Recordings.ChunksDropped;
            cost = StepCost.Start(count, holdSeconds);
            var result = await LoadRunner.RunAsync(stack, ramp, count, TimeSpan.FromSeconds(holdSeconds), rtpWindowAfterRamp: TimeSpan.FromSeconds(5), recordings: folder.Path);
            var recordedCost = cost.Describe(result.FramesSent);
            var dropped = stack.UserAgent.Media.Recordings.ChunksDropped - droppedBefore;
            await Sipp.SettleAsync();
            var uasFailed = uas.FailedCalls - failedBefore;
            var files = Directory.GetFiles(folder.Path, "*.wav").Select(f => new FileInfo(f)).ToList();
            var bytes = files.Sum(f => f.Length);
            var minutes = files.Sum(f => Math.Max(0, f.Length - 44)) / (8000.0 * 2 * 2) / 60;
            var failed = result.Clean && uasFailed == 0 ? "0" : $"{Describe(result.Failures)} uas_failed={uasFailed}";
            var pass = result.Clean && uasFailed == 0 && result.LateShare <= 0.01;
            Console.WriteLine($"| {count}, recorded | {result.PeakAnswered} | {failed} | {result.FramesSent} | {result.FramesLate} ({result.LateShare:P2}){(pass ? "" : " FAIL")} | {result.RtpPerCall:0.0} | {recordedCost} | " +
                              $"{files.Count}, {bytes / 1e6:0.0}, {(minutes == 0 ? 0 : bytes / minutes):0}, {dropped} |");
            if (pass)
            {
                best = count;
            }
        }

        Console.WriteLine($"\nMost concurrent recorded calls with <= 1 % of frames > 10 ms late: {best} (goal >= 1000)");
    }

    /// <summary>
    /// What a step cost the bench process (ramp, hold and hang-ups): CPU time per second of call held, and the garbage
    /// collector's pauses (which stop the media clock's thread too) and allocations.
    /// </summary>
    private sealed class StepCost(TimeSpan cpu, TimeSpan paused, int collections, long allocated, int calls, int holdSeconds)
    {
        public static StepCost Start(int calls, int holdSeconds) =>
            new(System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime, GC.GetTotalPauseDuration(), GC.CollectionCount(0),
                GC.GetTotalAllocatedBytes(), calls, holdSeconds);

        public string Describe(long frames)
        {
            var cpuPerCallSecond = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / ((double)calls * holdSeconds);
            var pausedMs = (GC.GetTotalPauseDuration() - paused).TotalMilliseconds;
            var perFrame = (GC.GetTotalAllocatedBytes() - allocated) / (double)Math.Max(1, frames);
            return $"{cpuPerCallSecond:0.00} | {pausedMs:0} ms in {GC.CollectionCount(0) - collections}, {perFrame:0} B/frame";
        }
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string Describe(Dictionary<string, int> failures) => failures.Count == 0 ? "none" : string.Join(", ", failures.Select(kv => $"{kv.Key}={kv.Value}"));
}
