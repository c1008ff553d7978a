using System.Diagnostics;
using System.Text;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>
/// One sipp process playing a UAS scenario of ours on 127.0.0.1 with free ports, for a fixed number of calls
/// (<c>-m</c>) and a global timeout. Its exit code (0 = every call went exactly as the scenario says), its error
/// trace and its message trace are kept for assertions.
/// </summary>
public sealed class SippRun : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TempDirectory _folder;

    private SippRun(Process process, TempDirectory folder, int port, int mediaPort)
    {
        _process = process;
        _folder = folder;
        Port = port;
        MediaPort = mediaPort;
    }

    public int Port { get; }

    public int MediaPort { get; }

    public string Folder => _folder.Path;

    public static string Executable => RequiredTool.Find("sipp", "sudo apt-get install -y sip-tester");

    /// <summary>
    /// Starts sipp with <paramref name="scenario"/> (a file under Sip/Scenarios) and extra arguments, on
    /// <paramref name="port"/> (a free one when null).
    /// </summary>
    public static SippRun StartUas(
        string scenario, int calls = 1, TimeSpan? timeout = null, IEnumerable<string>? extra = null, Action<string>? prepareFolder = null, int? port = null)
    {
        var sipp = Executable;
        var folder = new TempDirectory("sipp");
        var source = Path.Combine(AppContext.BaseDirectory, "Sip", "Scenarios", scenario);
        File.Copy(source, Path.Combine(folder.Path, scenario));
        prepareFolder?.Invoke(folder.Path);
        port ??= FreePorts.Udp();
        var mediaPort = FreePorts.UdpPair();
        var start = new ProcessStartInfo(sipp)
        {
            WorkingDirectory = folder.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "-sf", scenario, "-i", "127.0.0.1", "-p", port.Value.ToString(), "-mi", "127.0.0.1", "-mp", mediaPort.ToString(),
                     "-cp", FreePorts.Udp().ToString(), "-m", calls.ToString(), "-timeout", $"{(int)(timeout ?? TimeSpan.FromSeconds(40)).TotalSeconds}s",
                     "-timeout_error", "-trace_err", "-error_file", Path.Combine(folder.Path, "errors.log"),
                     "-trace_msg", "-message_file", Path.Combine(folder.Path, "messages.log"), "-nostdin",
                 }.Concat(extra ?? []))
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var run = new SippRun(process, folder, port.Value, mediaPort);
        process.OutputDataReceived += (_, e) => run.Append(e.Data);
        process.ErrorDataReceived += (_, e) => run.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return run;
    }

    /// <summary>
    /// sipp over TCP with one connection (<c>-t t1</c>), started and listening: a stream client that connected
    /// before sipp listens would back off and fail its first call.
    /// </summary>
    public static async Task<SippRun> StartTcpUasAsync(string scenario, int? port = null, TimeSpan? timeout = null)
    {
        var run = StartUas(scenario, timeout: timeout, extra: ["-t", "t1"], port: port ?? FreePorts.Tcp());
        await WaitUntilListeningAsync(run);
        return run;
    }

    private static async Task WaitUntilListeningAsync(SippRun run)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!run.IsListeningOnTcp())
        {
            Assert.True(DateTime.UtcNow < deadline, $"sipp never listened on TCP {run.Port}.\n{run.Diagnostics()}");
            await Task.Delay(50);
        }
    }

    /// <summary>Reads /proc/net/tcp for a listening socket on the port, so no probe connection disturbs sipp.</summary>
    private bool IsListeningOnTcp()
    {
        var hexPort = ":" + Port.ToString("X4");
        return File.ReadLines("/proc/net/tcp").Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(f => f.Length > 3 && f[1].EndsWith(hexPort, StringComparison.Ordinal) && f[3] == "0A");
    }

    /// <summary>Waits for sipp to finish and returns its exit code; kills it after <paramref name="limit"/>.</summary>
    public async Task<int> ExitCodeAsync(TimeSpan? limit = null)
    {
        using var cancel = new CancellationTokenSource(limit ?? TimeSpan.FromSeconds(60));
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        return _process.ExitCode;
    }

    /// <summary>Fails with sipp's own account when it did not exit 0 (every call exactly as the scenario says).</summary>
    public async Task AssertSucceededAsync(TimeSpan? limit = null)
    {
        var code = await ExitCodeAsync(limit);
        Assert.True(code == 0, $"sipp exited {code}.\n{Diagnostics()}");
    }

    /// <summary>What went wrong, for assertion messages: sipp's error trace and screen output.</summary>
    public string Diagnostics()
    {
        var errors = Path.Combine(_folder.Path, "errors.log");
        var text = new StringBuilder();
        if (File.Exists(errors))
        {
            text.AppendLine("sipp errors:").AppendLine(File.ReadAllText(errors));
        }

        lock (_output)
        {
            text.AppendLine("sipp output (tail):").AppendLine(_output.Length > 4000 ? _output.ToString(_output.Length - 4000, 4000) : _output.ToString());
        }

        return text.ToString();
    }

    /// <summary>sipp's message trace: every message it sent and received.</summary>
    public string Messages()
    {
        var path = Path.Combine(_folder.Path, "messages.log");
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _folder.Dispose();
    }
}
