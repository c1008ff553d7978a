using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cualify.Appliance.Testing;

/// <summary>
/// The built <c>cualify-appliance</c> executable run as a child process, as an operator or systemd would run
/// it: for one-shot verbs (<see cref="RunVerbAsync"/>) and for a live service that a test can kill hard.
/// </summary>
public sealed class ApplianceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private ApplianceProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public string StandardOutput
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The started process's id (the appliance itself unless a launcher stands in front of it).</summary>
    public int ProcessId => _process.Id;

    /// <summary>
    /// Names another appliance executable to run instead of the one built beside the tests, e.g. a
    /// <c>dotnet publish</c> output (the bench measures the published build this way).
    /// </summary>
    public const string ExecutableVariable = "CUALIFY_TEST_APPLIANCE";

    public static string ExecutablePath
    {
        get
        {
            if (Environment.GetEnvironmentVariable(ExecutableVariable) is { Length: > 0 } chosen)
            {
                return File.Exists(chosen) ? chosen : throw new FileNotFoundException($"{ExecutableVariable} names {chosen}, which does not exist");
            }

            var name = OperatingSystem.IsWindows() ? "cualify-appliance.exe" : "cualify-appliance";
            var path = Path.Combine(AppContext.BaseDirectory, name);
            return File.Exists(path) ? path : throw new FileNotFoundException($"The appliance executable is not beside the tests at {path}; build the solution first");
        }
    }

    public sealed record VerbResult(int ExitCode, string StandardOutput, string StandardError);

    /// <summary>
    /// Runs a verb to completion (e.g. <c>init --data-dir X</c>) and returns what it printed; <paramref name="input"/>
    /// is its standard input, which is closed after it (empty when not given).
    /// </summary>
    public static Task<VerbResult> RunVerbAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null, string? input = null) =>
        RunAsync(StartInfo(arguments, environment), timeout, input);

    /// <summary>Runs any command to completion (an installer, a verb as another user) and returns what it printed.</summary>
    public static async Task<VerbResult> RunAsync(ProcessStartInfo startInfo, TimeSpan? timeout = null, string? input = null)
    {
        startInfo.RedirectStandardInput = true;
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.UseShellExecute = false;
        using var process = new Process { StartInfo = startInfo };
        process.Start();
        await process.StandardInput.WriteAsync(input ?? "");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{process.StartInfo.FileName} {string.Join(' ', process.StartInfo.ArgumentList)} did not finish in time; stderr: {await stderr}");
        }

        return new VerbResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts <c>run</c> on a free loopback port (on the folder's <see cref="TestStore"/>) and waits until <c>/healthz</c> answers.</summary>
    public static async Task<ApplianceProcess> StartAsync(string dataDir, IReadOnlyDictionary<string, string>? environment = null, IEnumerable<string>? extraArguments = null)
    {
        var port = FreePorts.Tcp();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        var arguments = new List<string> { "run", "--data-dir", dataDir, "--urls", baseAddress.ToString().TrimEnd('/') };
        arguments.AddRange(extraArguments ?? []);
        var store = new Dictionary<string, string>(await TestStore.EnvironmentAsync(dataDir));
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            store[key] = value;
        }

        return await LaunchAsync(StartInfo(arguments, store), baseAddress);
    }

    /// <summary>
    /// Starts any command that ends up serving the appliance at <paramref name="baseAddress"/> (an installed
    /// binary run as the service user, a launcher in front of it) and waits until <c>/healthz</c> answers.
    /// </summary>
    public static async Task<ApplianceProcess> LaunchAsync(ProcessStartInfo startInfo, Uri baseAddress)
    {
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.UseShellExecute = false;
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var running = new ApplianceProcess(process, baseAddress);
        process.OutputDataReceived += (_, e) => running.Append(running._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => running.Append(running._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The appliance exited with {process.ExitCode} before serving: {running.StandardError}");
            }

            try
            {
                if ((await client.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK)
                {
                    return running;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        process.Kill(entireProcessTree: true);
        throw new TimeoutException($"The appliance did not answer /healthz within 60 s: {running.StandardError}");
    }

    /// <summary>Waits until standard output holds <paramref name="text"/> (output arrives asynchronously).</summary>
    public async Task<string> WaitForOutputAsync(string text, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!StandardOutput.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"'{text}' did not appear on standard output: {StandardOutput}");
            }

            await Task.Delay(50);
        }

        return StandardOutput;
    }

    /// <summary>The admin key a fresh data folder's first <c>run</c> prints on standard output, once.</summary>
    public async Task<string> FirstAdminKeyAsync(TimeSpan? timeout = null)
    {
        var output = await WaitForOutputAsync("cuk_live_", timeout);
        return output.Split('\n').Select(line => line.Trim()).First(line => line.StartsWith("cuk_live_", StringComparison.Ordinal));
    }

    public HttpClient Client(string? key = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    /// <summary>Kills the process at once, as a crash or power cut would: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>Waits until standard error (where the console log goes) holds <paramref name="text"/>.</summary>
    public async Task<string> WaitForErrorOutputAsync(string text, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!StandardError.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"'{text}' did not appear on standard error: {StandardError}");
            }

            await Task.Delay(50);
        }

        return StandardError;
    }

    /// <summary>Sends a signal (<c>TERM</c>, <c>INT</c>…) to <paramref name="processId"/> (this process when null) without waiting.</summary>
    public async Task SignalAsync(string signal, int? processId = null)
    {
        using var kill = Process.Start("kill", [$"-{signal}", (processId ?? _process.Id).ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    /// <summary>Waits for the process to end on its own and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM (as systemd does on stop) and waits for the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private static ProcessStartInfo StartInfo(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment)
    {
        var info = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return info;
    }

    private void Append(StringBuilder buffer, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (buffer)
        {
            buffer.AppendLine(line);
        }
    }
}
