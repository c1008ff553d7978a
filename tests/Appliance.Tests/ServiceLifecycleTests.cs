using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Tests;

/// <summary>The built appliance as a service manager runs it: SIGTERM stops, systemd's notify protocol, the stop timeout.</summary>
[SupportedOSPlatform("linux")]
public sealed class ServiceLifecycleTests
{
    private const string Contact = """{"phone_e164":"+919812345678","name":"Riya Sharma","email":"riya@example.com","consent_capture":"manual"}""";

    [Fact]
    public async Task Sigterm_lets_an_in_flight_request_finish_then_exits_0()
    {
        using var data = new TempDirectory("sigterm");
        await using var appliance = await ApplianceProcess.StartAsync(data.Path);
        var key = FirstKey(await appliance.WaitForOutputAsync("cuk_live_"));
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = appliance.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        await (await client.GetAsync("/api/v1/credits")).ExpectAsync(200);

        // A request whose body is still arriving when the stop begins.
        var body = new HeldBackContent(Contact);
        var post = client.PostAsync("/api/v1/contacts", body);
        await body.FirstHalfSent;
        await appliance.SignalAsync("TERM");
        await appliance.WaitForErrorOutputAsync("Stopping: no new requests; finishing in-flight requests");
        body.SendTheRest();

        var created = await (await post).ExpectAsync(200);
        Assert.Equal("+919812345678", (string?)created["data"]!["phone_e164"]);
        Assert.Equal(0, await appliance.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Stopped cleanly", appliance.StandardError);

        await using var again = await ApplianceProcess.StartAsync(data.Path);
        var contacts = await (await again.Client(key).GetAsync("/api/v1/contacts")).ExpectAsync(200);
        Assert.Equal(1, (int)contacts["pagination"]!["total"]!);
    }

    [Fact]
    public async Task A_request_that_never_finishes_does_not_hold_the_stop_past_Host_ShutdownTimeout()
    {
        using var data = new TempDirectory("sigterm");
        await using var appliance = await ApplianceProcess.StartAsync(data.Path, new Dictionary<string, string> { ["CUALIFY__Host__ShutdownTimeout"] = "00:00:02" });
        var key = FirstKey(await appliance.WaitForOutputAsync("cuk_live_"));
        using var client = appliance.Client(key);
        var body = new HeldBackContent(Contact);
        var post = client.PostAsync("/api/v1/contacts", body);
        await body.FirstHalfSent;
        await appliance.SignalAsync("TERM");

        // Without the timeout this would wait for the body forever; the generous bound only catches a hang.
        Assert.Equal(0, await appliance.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        body.SendTheRest();
        await Assert.ThrowsAnyAsync<Exception>(() => post);
    }

    [Fact]
    public async Task An_open_event_stream_ends_when_the_appliance_stops_instead_of_holding_the_stop()
    {
        using var data = new TempDirectory("sigterm");
        // A stop timeout far beyond the wait below: only a stream that ends on its own lets the process exit in time.
        await using var appliance = await ApplianceProcess.StartAsync(data.Path, new Dictionary<string, string> { ["CUALIFY__Host__ShutdownTimeout"] = "00:10:00" });
        var key = FirstKey(await appliance.WaitForOutputAsync("cuk_live_"));
        using var client = appliance.Client(key);
        client.Timeout = Timeout.InfiniteTimeSpan;
        using var response = await client.GetAsync("/api/v1/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(stream);
        Assert.Equal("retry: 3000", await reader.ReadLineAsync());

        await appliance.SignalAsync("TERM");
        Assert.Equal(0, await appliance.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        await reader.ReadToEndAsync(); // the stream was ended, not cut mid-event
    }

    [Fact]
    public async Task An_invalid_stop_timeout_stops_start_up_naming_the_setting()
    {
        using var data = new TempDirectory("sigterm");
        var result = await ApplianceProcess.RunVerbAsync(["run", "--data-dir", data.Path, "--urls", "http://127.0.0.1:0"],
            new Dictionary<string, string> { ["CUALIFY__Host__ShutdownTimeout"] = "00:00:00" });
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Host:ShutdownTimeout must be between 00:00:01 and 00:10:00", result.StandardError);
    }

    /// <summary>
    /// systemd's side of Type=notify, played by the test: a parent process named <c>systemd</c> (bash through a
    /// symlink of that name) and a notify socket. The appliance must say READY=1 once it serves, ping the watchdog,
    /// and say STOPPING=1 on SIGTERM before exiting 0.
    /// </summary>
    [Fact]
    public async Task Under_systemd_it_reports_ready_pings_the_watchdog_and_reports_stopping()
    {
        using var scratch = new TempDirectory("systemd");
        var systemd = scratch.Combine("systemd");
        File.CreateSymbolicLink(systemd, "/bin/bash");
        var socketPath = scratch.Combine("notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        var received = new List<string>();
        var listening = ListenAsync(socket, received);

        var address = new Uri($"http://127.0.0.1:{FreePorts.Tcp()}/");
        var pidFile = scratch.Combine("appliance.pid");
        var info = new ProcessStartInfo(systemd, ["-c", "\"$0\" run --data-dir \"$1\" --urls \"$2\" & echo $! > \"$3\"; wait $!",
            ApplianceProcess.ExecutablePath, scratch.Combine("data"), address.ToString().TrimEnd('/'), pidFile]);
        info.Environment["NOTIFY_SOCKET"] = socketPath;
        info.Environment["WATCHDOG_USEC"] = "1000000";
        await using var manager = await ApplianceProcess.LaunchAsync(info, address);

        await WaitForAsync(received, "READY=1");
        await (await manager.Client().GetAsync("/healthz")).ExpectAsync(200);
        await WaitForAsync(received, $"STATUS=Serving {address.ToString().TrimEnd('/')}");
        await WaitForAsync(received, "WATCHDOG=1");

        await manager.SignalAsync("TERM", int.Parse((await File.ReadAllTextAsync(pidFile)).Trim()));
        await WaitForAsync(received, "STOPPING=1");
        Assert.Equal(0, await manager.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        socket.Close();
        await listening;
    }

    private static string FirstKey(string output) =>
        Assert.Single(output.Split('\n').Select(l => l.Trim()), l => l.StartsWith("cuk_live_", StringComparison.Ordinal));

    private static async Task ListenAsync(Socket socket, List<string> received)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var count = await socket.ReceiveAsync(buffer, SocketFlags.None);
                lock (received)
                {
                    received.AddRange(Encoding.UTF8.GetString(buffer, 0, count).Split('\n', StringSplitOptions.RemoveEmptyEntries));
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The test closed the socket.
        }
    }

    private static async Task WaitForAsync(List<string> received, string message)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            lock (received)
            {
                if (received.Contains(message))
                {
                    return;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"systemd never got '{message}'; it got: {string.Join(" | ", received)}");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// A JSON body sent in two parts: the opening brace, then the rest only when the test says so. Meanwhile it keeps
    /// sending whitespace (legal after the brace) faster than Kestrel's minimum body data rate (240 B/s after a 5 s
    /// grace), so the request stays in flight however slow the machine is, and only the stop decides its fate.
    /// </summary>
    private sealed class HeldBackContent : HttpContent
    {
        private readonly string _json;
        private readonly TaskCompletionSource _firstHalfSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _rest = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public HeldBackContent(string json)
        {
            _json = json;
            Headers.ContentType = new("application/json");
        }

        public Task FirstHalfSent => _firstHalfSent.Task;

        public void SendTheRest() => _rest.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var bytes = Encoding.UTF8.GetBytes(_json);
            var split = _json.IndexOf('{', StringComparison.Ordinal) + 1;
            await stream.WriteAsync(bytes.AsMemory(0, split));
            await stream.FlushAsync();
            _firstHalfSent.TrySetResult();
            var padding = Encoding.ASCII.GetBytes(new string(' ', 256));
            while (!_rest.Task.IsCompleted)
            {
                await stream.WriteAsync(padding);
                await stream.FlushAsync();
                await Task.WhenAny(_rest.Task, Task.Delay(100));
            }

            await stream.WriteAsync(bytes.AsMemory(split));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
