using System.Diagnostics;
using Cualify.Appliance.Dialer.Sip;
using Cualify.Appliance.Dialer.Sip.UserAgent;
using Cualify.Appliance.Dialer.Telephony;

namespace Cualify.Appliance.Bench.Sip;

public sealed record LoadResult(
    int Calls, double IssueSeconds, int Completed, Dictionary<string, int> Failures, int PeakAnswered,
    double ByeP50Ms, double ByeP99Ms, double ByeMaxMs, int ByeSamples, double RtpPacketsPerSecond, double RtpPerCall,
    long FramesSent = 0, long FramesLate = 0)
{
    /// <summary>Share of the audio frames paced out more than 10 ms after their due moment.</summary>
    public double LateShare => FramesSent == 0 ? 0 : (double)FramesLate / FramesSent;

    public double AchievedRate => Calls / IssueSeconds;

    public bool Clean => Failures.Count == 0 && Completed == Calls;
}

/// <summary>Places calls through the provider at a steady rate and waits for every one to end.</summary>
public static class LoadRunner
{
    /// <param name="recordings">A folder to record every call into (two-channel WAV, as <c>record: true</c> does); null: not recorded.</param>
    public static async Task<LoadResult> RunAsync(SipStack stack, int rate, int calls, TimeSpan hold, TimeSpan? rtpWindowAfterRamp = null, string? recordings = null)
    {
        var provider = new SipTelephonyProvider(stack);
        var stats = new LoadStats();
        // Only the RTP window reads the calls themselves; holding every call of a step (thousands a second) would keep
        // them all in the heap, which the stack itself lets go of when each call ends.
        var live = rtpWindowAfterRamp is null ? null : new List<SipCall>(calls);
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < calls; i++)
        {
            var due = started + (long)(i * (double)Stopwatch.Frequency / rate);
            var wait = (due - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency;
            if (wait >= 2)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait));
            }

            var progress = new BenchProgress(hold, stats);
            var call = await provider.StartAsync(Plan(i, hold, recordings), progress, CancellationToken.None);
            progress.Started(call);
            live?.Add((SipCall)call);
        }

        var issueSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        double rtpRate = double.NaN, rtpPerCall = double.NaN;
        if (rtpWindowAfterRamp is { } window && live is not null)
        {
            // All calls are up: count RTP frames sent across them over a window of the plateau.
            await Task.Delay(TimeSpan.FromSeconds(2));
            var before = live.Sum(c => c.RtpPackets.Sent);
            var up = stats.Live;
            var clock = Stopwatch.GetTimestamp();
            await Task.Delay(window);
            var after = live.Sum(c => c.RtpPackets.Sent);
            var seconds = Stopwatch.GetElapsedTime(clock).TotalSeconds;
            rtpRate = (after - before) / seconds;
            rtpPerCall = up == 0 ? 0 : rtpRate / up;
        }

        // Ends are counted as they come (LoadStats): holding every call's end for the whole step would keep tens of
        // thousands of them in the heap, which no dialer does.
        await Task.WhenAny(stats.AllEnded(calls), Task.Delay(hold + TimeSpan.FromSeconds(90)));
        var failures = stats.Failures();
        var completed = stats.Completed;
        if (calls - stats.EndedCount is > 0 and var neverEnded)
        {
            failures["never_ended"] = neverEnded;
        }

        return new LoadResult(calls, issueSeconds, completed, failures, stats.Peak,
            stats.ByeErrorPercentile(50), stats.ByeErrorPercentile(99), stats.ByeErrorPercentile(100), stats.ByeSamples, rtpRate, rtpPerCall,
            stats.FramesSent, stats.FramesLate);
    }

    private static CallPlan Plan(int i, TimeSpan hold, string? recordings) => new(
        CallId: $"call_bench_{i}",
        OrgId: "org_bench",
        ToE164: "+9198" + (10_000_000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture),
        FromE164: "+918000000001",
        Language: "en",
        Playbook: new PlaybookPlan("pb_bench", "Bench", "en", null, null, null, new Dictionary<string, string>(), null, "hangup",
            RecordingFile: recordings is null ? null : Path.Combine(recordings, $"call_bench_{i}.wav")),
        EffectiveMaxDuration: hold,
        RingTimeout: TimeSpan.FromSeconds(30));
}
