using System.Diagnostics;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Bench.Mail;

/// <summary>Postfix's <c>smtp-sink</c> (accepts and discards mail) and <c>smtp-source</c> (the reference sender).</summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private const string Install = "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postfix (do not start postfix itself)";
    private readonly Process _process;

    private SmtpSink(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <param name="dumpDirectory">When set, every transaction is also written to a file there (for latency probes).</param>
    public static async Task<SmtpSink> StartAsync(int port, string? dumpDirectory = null)
    {
        var sink = RequiredTool.Find("smtp-sink", Install);
        var arguments = new List<string>();
        if (Environment.UserName == "root")
        {
            arguments.AddRange(["-u", "nobody"]);
        }

        if (dumpDirectory is not null)
        {
            arguments.AddRange(["-d", Path.Combine(dumpDirectory, "%H%M%S.")]);
        }

        arguments.AddRange([$"127.0.0.1:{port}", "256"]);
        var process = Process.Start(new ProcessStartInfo(sink, arguments) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false })
            ?? throw new InvalidOperationException("smtp-sink did not start");
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                break;
            }
            catch (System.Net.Sockets.SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(10) && !process.HasExited)
            {
                await Task.Delay(50);
            }
        }

        return new SmtpSink(process, port);
    }

    /// <summary>Runs <c>smtp-source</c>: <paramref name="messages"/> messages over <paramref name="sessions"/> reused connections.</summary>
    public async Task<TimeSpan> SourceAsync(int sessions, int messages, int size)
    {
        var source = RequiredTool.Find("smtp-source", Install);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(new ProcessStartInfo(source,
            ["-d", "-s", sessions.ToString(), "-m", messages.ToString(), "-l", size.ToString(), "-f", "bench@cualify.test", "-t", "lead@example.com", $"127.0.0.1:{Port}"])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("smtp-source did not start");
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        clock.Stop();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"smtp-source failed ({process.ExitCode}): {errors}");
        }

        return clock.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
