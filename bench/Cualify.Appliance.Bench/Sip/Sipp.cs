using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Cualify.Appliance.Bench.Sip;

/// <summary>sipp processes for the bench: the shared UAS, and the reference UAC.</summary>
public sealed class Sipp : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private Sipp(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    public static string Executable()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            var candidate = Path.Combine(dir, "sipp");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("sipp is not installed: sudo apt-get install -y sip-tester");
    }

    /// <summary>
    /// sipp's built-in UAS (180, 200 with SDP, waits for ACK and BYE), optionally echoing RTP, with stats every second;
    /// over <paramref name="transport"/> <c>udp</c> or <c>tcp</c> (<c>-t t1</c>).
    /// </summary>
    /// <param name="scenario">A scenario file to play instead of the built-in UAS.</param>
    public static Sipp StartUas(bool rtpEcho, string transport = "udp", string? scenario = null)
    {
        var folder = Directory.CreateTempSubdirectory("sipbench-uas").FullName;
        var port = FreeUdpPort();
        var arguments = new List<string>
        {
            scenario is null ? "-sn" : "-sf", scenario ?? "uas", "-i", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-mi", "127.0.0.1",
            "-mp", (FreeUdpPort() & ~1).ToString(CultureInfo.InvariantCulture), "-cp", FreeUdpPort().ToString(CultureInfo.InvariantCulture),
            "-l", "100000", "-buff_size", "8388608", "-nostdin", "-trace_stat", "-stf", Path.Combine(folder, "stat.csv"), "-fd", "1",
            "-trace_err", "-error_file", Path.Combine(folder, "errors.log"),
        };
        if (rtpEcho)
        {
            arguments.Add("-rtp_echo");
        }

        arguments.AddRange(TransportArguments(transport));
        return new Sipp(Start(arguments, folder), folder, port);
    }

    /// <summary>The reference: sipp's built-in UAC placing <paramref name="calls"/> at <paramref name="rate"/> per second, each held <paramref name="holdMs"/>.</summary>
    public static async Task<(int ExitCode, double Seconds, long Failed)> RunUacAsync(int uasPort, int rate, int calls, int holdMs, string transport = "udp")
    {
        var folder = Directory.CreateTempSubdirectory("sipbench-uac").FullName;
        var arguments = new List<string>
        {
            "-sn", "uac", $"127.0.0.1:{uasPort}", "-i", "127.0.0.1", "-p", FreeUdpPort().ToString(CultureInfo.InvariantCulture),
            "-cp", FreeUdpPort().ToString(CultureInfo.InvariantCulture), "-r", rate.ToString(CultureInfo.InvariantCulture),
            "-m", calls.ToString(CultureInfo.InvariantCulture), "-d", holdMs.ToString(CultureInfo.InvariantCulture),
            "-l", "100000", "-buff_size", "8388608", "-timeout", "120s", "-timeout_error", "-nostdin",
            "-trace_stat", "-stf", Path.Combine(folder, "stat.csv"), "-fd", "1",
        };
        arguments.AddRange(TransportArguments(transport));
        var started = Stopwatch.GetTimestamp();
        using var process = Start(arguments, folder);
        await process.WaitForExitAsync();
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var failed = ReadStat(Path.Combine(folder, "stat.csv"), "FailedCall(C)");
        Directory.Delete(folder, recursive: true);
        return (process.ExitCode, seconds, failed);
    }

    /// <summary>The UAS's cumulative failed calls so far (its stat file is written every second).</summary>
    public long FailedCalls => ReadStat(Path.Combine(_folder, "stat.csv"), "FailedCall(C)");

    /// <summary>The most frequent kinds of error sipp logged, for a failed step.</summary>
    public string ErrorSummary()
    {
        var path = Path.Combine(_folder, "errors.log");
        if (!File.Exists(path))
        {
            return "";
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var events = reader.ReadToEnd().Split('\n')
            .Where(l => l.Contains("while ", StringComparison.Ordinal) || l.Contains("unexpected", StringComparison.OrdinalIgnoreCase))
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"^.*?(while|Aborting)", "$1"))
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"Call-Id '[^']*'", "Call-Id '…'"))
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"[0-9]+", "#"))
            .Select(l => l.Length > 200 ? l[..200] : l);
        return string.Join("; ", events.GroupBy(l => l).OrderByDescending(g => g.Count()).Take(3).Select(g => $"{g.Count()}x {g.Key}"));
    }

    public long SuccessfulCalls => ReadStat(Path.Combine(_folder, "stat.csv"), "SuccessfulCall(C)");

    /// <summary>sipp's transport switch: one TCP connection (<c>-t t1</c>) for tcp, nothing for udp (its default).</summary>
    private static string[] TransportArguments(string transport) => transport switch
    {
        "udp" => [],
        "tcp" => ["-t", "t1"],
        _ => throw new ArgumentException($"sipp has no '{transport}' transport here (Debian's sipp is built without TLS).", nameof(transport)),
    };

    private static long ReadStat(string path, string column)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        string[] lines;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        using (var reader = new StreamReader(stream))
        {
            lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }

        if (lines.Length < 2)
        {
            return 0;
        }

        var header = lines[0].Split(';');
        var index = Array.IndexOf(header, column);
        var last = lines[^1].Split(';');
        return index >= 0 && index < last.Length && long.TryParse(last[index], out var value) ? value : 0;
    }

    private static Process Start(List<string> arguments, string folder)
    {
        var start = new ProcessStartInfo(Executable())
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>Lets the UAS write one more stat line (it writes once a second).</summary>
    public static Task SettleAsync() => Task.Delay(TimeSpan.FromSeconds(1.5));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
