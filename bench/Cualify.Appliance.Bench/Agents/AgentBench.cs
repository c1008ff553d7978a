using System.Diagnostics;
using System.Globalization;
using Cualify.Appliance.Bench.Sip;
using Cualify.Appliance.Dialer.AgentStreams;
using Cualify.Appliance.Dialer.Sip;
using Cualify.Appliance.Dialer.Telephony;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cualify.Appliance.Bench.Agents;

/// <summary>
/// Agent-bridged calls: our SIP user agent calls sipp (a UAS whose SDP points the media at an in-process RTP echo) and
/// bridges each call to a voice agent over Twilio Media Streams that speaks in turns and listens throughout. Per step:
/// the calls bridged at once, the share of agent frames sent 20 ms or more late (or skipped), and the latency the
/// bridge adds each way, timed with probe frames: WebSocket in → RTP out (the first frame of a turn; includes waiting
/// for the next 20 ms frame slot) and RTP in → WebSocket out.
/// <c>bench agents [--calls 100,250,500] [--ramp 50] [--window 8]</c>
/// </summary>
public static class AgentBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchArgs(args);
        int[] steps = options.Get("calls", "100,250,500").Split(',').Select(int.Parse).ToArray();
        var ramp = options.Int("ramp", 50);
        var window = TimeSpan.FromSeconds(options.Int("window", 8));
        Console.WriteLine($"# Agent stream bench {DateTimeOffset.UtcNow:u} on {MachineInfo.Describe()}, load average {LoadAverage()}");

        var probes = new ProbeFrames();
        using var echo = new RtpEcho(probes);
        await using var agent = await EchoAgent.StartAsync(probes);
        var (uas, uasPort, folder) = StartUas(echo.Port);
        try
        {
            await Task.Delay(500);
            var metrics = new AgentStreamMetrics();
            var connector = new AgentStreamConnector(TimeProvider.System, metrics, NullLogger<AgentStream>.Instance);
            var sipOptions = new SipOptions
            {
                Trunk = $"127.0.0.1:{uasPort}",
                LocalAddress = "127.0.0.1",
                LocalPort = 0,
                RtpPorts = "20000-39999",
                DigitWait = TimeSpan.FromMinutes(5),
            };
            await using var stack = await SipStack.StartAsync(sipOptions, TimeProvider.System, NullLoggerFactory.Instance, agents: connector);
            var plan = new AgentStreamPlan(agent.Url, null, new Dictionary<string, string>(), []);

            Console.WriteLine("| calls | bridged at once | failed | agent frames late or skipped | WS in → RTP out p50 / p99 ms | RTP in → WS out p50 / p99 ms | probes |");
            Console.WriteLine("|---:|---:|---|---:|---|---|---:|");
            foreach (var count in steps)
            {
                var row = await StepAsync(stack, plan, metrics, probes, count, ramp, window);
                Console.WriteLine(row.Text);
                if (!row.Passed)
                {
                    break;
                }
            }
        }
        finally
        {
            if (!uas.HasExited)
            {
                uas.Kill(entireProcessTree: true);
                await uas.WaitForExitAsync();
            }

            uas.Dispose();
            Directory.Delete(folder, recursive: true);
        }

        Console.WriteLine($"\nload average after: {LoadAverage()}");
        return 0;
    }

    private static async Task<(string Text, bool Passed)> StepAsync(
        SipStack stack, AgentStreamPlan agent, AgentStreamMetrics metrics, ProbeFrames probes, int count, int ramp, TimeSpan window)
    {
        var hold = TimeSpan.FromSeconds(count / (double)ramp + window.TotalSeconds + 6);
        var provider = new SipTelephonyProvider(stack);
        var stats = new LoadStats();
        var ends = new List<Task<CallEnd>>(count);
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            var due = started + (long)(i * (double)Stopwatch.Frequency / ramp);
            var wait = (due - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency;
            if (wait >= 2)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait));
            }

            var progress = new BenchProgress(hold, stats);
            var call = await provider.StartAsync(Plan(i, hold, agent), progress, CancellationToken.None);
            progress.Started(call);
            ends.Add(progress.Ended);
        }

        await Task.Delay(TimeSpan.FromSeconds(3));
        var bridged = metrics.Live;
        var (playedBefore, lateBefore) = (metrics.FramesPlayed, metrics.FramesLate);
        probes.Measuring = true;
        await Task.Delay(window);
        probes.Measuring = false;
        var played = metrics.FramesPlayed - playedBefore;
        var late = metrics.FramesLate - lateBefore;

        await Task.WhenAny(Task.WhenAll(ends), Task.Delay(hold + TimeSpan.FromSeconds(60)));
        var failures = ends.Count(e => !e.IsCompleted || e.Result.EndReason != "max_duration_reached");
        var lateShare = played == 0 ? double.NaN : 100.0 * late / played;
        var text = string.Create(CultureInfo.InvariantCulture,
            $"| {count} | {bridged} | {failures} | {lateShare:0.00} % ({late} of {played}) | {probes.AgentToRtp.Percentile(50):0.0} / {probes.AgentToRtp.Percentile(99):0.0} | {probes.RtpToAgent.Percentile(50):0.0} / {probes.RtpToAgent.Percentile(99):0.0} | {probes.RtpToAgent.Count} |");
        probes.Reset();
        await Task.Delay(TimeSpan.FromSeconds(2));
        return (text, failures == 0 && bridged == count && lateShare <= 1.0);
    }

    private static CallPlan Plan(int i, TimeSpan hold, AgentStreamPlan agent) => new(
        CallId: $"call_agent_bench_{i}",
        OrgId: "org_bench",
        ToE164: "+9198" + (20_000_000 + i).ToString(CultureInfo.InvariantCulture),
        FromE164: "+918000000001",
        Language: "en",
        Playbook: new PlaybookPlan("pb_bench", "Bench", "en", null, null, null, new Dictionary<string, string>(), null, "hangup", Agent: agent),
        EffectiveMaxDuration: hold,
        RingTimeout: TimeSpan.FromSeconds(30));

    /// <summary>sipp as the callee's SIP side: answers with SDP that sends the media to <paramref name="echoPort"/>, waits for BYE.</summary>
    private static (Process Process, int Port, string Folder) StartUas(int echoPort)
    {
        var folder = Directory.CreateTempSubdirectory("agentbench-uas").FullName;
        File.WriteAllText(Path.Combine(folder, "uas.xml"), """
            <?xml version="1.0" encoding="ISO-8859-1" ?>
            <scenario name="answer with media at the bench's RTP echo">
              <recv request="INVITE" />
              <send retrans="500"><![CDATA[
            SIP/2.0 200 OK
            [last_Via:]
            [last_From:]
            [last_To:];tag=[pid]b[call_number]
            [last_Call-ID:]
            [last_CSeq:]
            Contact: <sip:uas@[local_ip]:[local_port]>
            Content-Type: application/sdp
            Content-Length: [len]

            v=0
            o=uas 1 1 IN IP4 127.0.0.1
            s=-
            c=IN IP4 127.0.0.1
            t=0 0
            m=audio [echo_port] RTP/AVP 0
            a=rtpmap:0 PCMU/8000
            a=ptime:20

            ]]></send>
              <recv request="ACK" />
              <recv request="BYE" />
              <send><![CDATA[
            SIP/2.0 200 OK
            [last_Via:]
            [last_From:]
            [last_To:]
            [last_Call-ID:]
            [last_CSeq:]
            Content-Length: 0

            ]]></send>
            </scenario>
            """);
        var port = Sipp.FreeUdpPort();
        var start = new ProcessStartInfo(Sipp.Executable()) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
                 {
                     "-sf", "uas.xml", "-key", "echo_port", echoPort.ToString(CultureInfo.InvariantCulture), "-i", "127.0.0.1",
                     "-p", port.ToString(CultureInfo.InvariantCulture), "-cp", Sipp.FreeUdpPort().ToString(CultureInfo.InvariantCulture),
                     "-l", "100000", "-buff_size", "8388608", "-nostdin",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, port, folder);
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
