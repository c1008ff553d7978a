using System.Diagnostics;
using Cualify.Appliance.Dialer.Sip;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cualify.Appliance.Bench.Sip;

/// <summary>
/// Concurrent answered calls with SRTP (<c>Dialer:Sip:Srtp=required</c>) against the same calls over plain RTP, in
/// the same run: sipp answers with the caller's own SDES key and echoes RTP, so every packet is encrypted and tagged
/// going out and verified and decrypted coming back. Pass: no failed call, no packet dropped by SRTP, and at most 1 %
/// of frames more than 10 ms late.
/// </summary>
public static class SrtpBench
{
    public static async Task RunAsync(SipStack plainStack, Sipp plainUas, SipOptions plainOptions, int[] concurrent, int ramp, int holdSeconds)
    {
        await using var uas = Sipp.StartUas(rtpEcho: true, scenario: Path.Combine(AppContext.BaseDirectory, "Sip", "uas_srtp_echo.xml"));
        await Task.Delay(500);
        var options = new SipOptions
        {
            Trunk = $"127.0.0.1:{uas.Port}", LocalAddress = "127.0.0.1", LocalPort = 0, RtpPorts = "40000-59999",
            DigitWait = plainOptions.DigitWait, MediaTimeout = plainOptions.MediaTimeout, Srtp = "required",
        };
        await using var stack = await SipStack.StartAsync(options, TimeProvider.System, NullLoggerFactory.Instance);
        await LoadRunner.RunAsync(stack, 200, 400, TimeSpan.Zero);
        Console.WriteLine($"\n## Concurrent answered calls with SRTP both ways vs plain RTP (ramp {ramp} cps, hold {holdSeconds} s, RTP echo; pass: 0 failed, 0 SRTP drops, <= 1 % of frames > 10 ms late)");
        Console.WriteLine("| calls | media | peak answered | failed | RTP pkt/s per call | frames late > 10 ms | CPU ms per call-second | SRTP dropped |");
        Console.WriteLine("|---:|---|---:|---|---:|---:|---:|---:|");
        var best = 0;
        foreach (var count in concurrent)
        {
            var plain = await MeasureAsync(plainStack, ramp, count, holdSeconds);
            Console.WriteLine($"| {count} | RTP (reference) | {plain.Result.PeakAnswered} | {Failed(plain.Result, plainUas)} | {plain.Result.RtpPerCall:0.0} | {plain.Result.LateShare:P2} | {plain.CpuPerCallSecond:0.000} | – |");
            var droppedBefore = stack.UserAgent.MediaReports.SrtpAuthFailures + stack.UserAgent.MediaReports.SrtpReplays;
            var failedBefore = uas.FailedCalls;
            var srtp = await MeasureAsync(stack, ramp, count, holdSeconds);
            var dropped = stack.UserAgent.MediaReports.SrtpAuthFailures + stack.UserAgent.MediaReports.SrtpReplays - droppedBefore;
            var uasFailed = uas.FailedCalls - failedBefore;
            var pass = srtp.Result.Clean && uasFailed == 0 && dropped == 0 && srtp.Result.LateShare <= 0.01;
            Console.WriteLine($"| {count} | SRTP | {srtp.Result.PeakAnswered} | {Failed(srtp.Result, uas)} | {srtp.Result.RtpPerCall:0.0} | {srtp.Result.LateShare:P2}{(pass ? "" : " FAIL")} | {srtp.CpuPerCallSecond:0.000} | {dropped} |");
            if (pass)
            {
                best = count;
            }
        }

        Console.WriteLine($"\nMost concurrent SRTP calls passing: {best}");
    }

    private static async Task<(LoadResult Result, double CpuPerCallSecond)> MeasureAsync(SipStack stack, int ramp, int count, int holdSeconds)
    {
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var result = await LoadRunner.RunAsync(stack, ramp, count, TimeSpan.FromSeconds(holdSeconds), rtpWindowAfterRamp: TimeSpan.FromSeconds(5));
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds;
        await Sipp.SettleAsync();
        return (result, cpu / (count * (double)holdSeconds));
    }

    private static string Failed(LoadResult result, Sipp uas) => result.Clean ? "0" : string.Join(", ", result.Failures.Select(kv => $"{kv.Key}={kv.Value}")) + " " + uas.ErrorSummary();
}
