using System.Buffers.Binary;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Dapper;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>
/// The appliance, as a child process, records a call to a real callee (baresip) and is killed with SIGKILL mid-call;
/// the next start on the same data folder settles the call and serves what was recorded up to the kill.
/// </summary>
public sealed class SipRecordingCrashTests
{
    private const string Number = "+919812345684";

    [Fact]
    public async Task A_recording_cut_by_kill_9_is_served_after_restart_up_to_the_kill()
    {
        RequiredTool.Find("espeak-ng", "sudo apt-get install -y espeak-ng");
        using var dataDir = new TempDirectory("recording-crash");
        await using var callee = await BaresipCallee.StartAsync(Number, WavFixtures.Tone(8000, 16, 1, frequency: 1000, seconds: 120, amplitude: 0.3));
        var environment = new Dictionary<string, string>
        {
            ["CUALIFY__Logging__Level"] = "Warning",
            ["CUALIFY__Dialer__HeartbeatInterval"] = "00:00:01",
            ["CUALIFY__Dialer__Provider"] = "sip",
            ["CUALIFY__Dialer__RingTimeout"] = "00:00:15",
            ["CUALIFY__Dialer__Sip__Trunk"] = $"127.0.0.1:{callee.Port}",
            ["CUALIFY__Dialer__Sip__LocalAddress"] = "127.0.0.1",
            ["CUALIFY__Dialer__Sip__LocalPort"] = "0",
            ["CUALIFY__Dialer__Sip__RtpPorts"] = "20000-27999",
            ["CUALIFY__Dialer__Sip__FromDomain"] = "cualify.test",
            ["CUALIFY__Dialer__Sip__DigitWait"] = "00:05:00", // the call stays up, listening, until the kill
        };

        string adminKey, callId;
        DateTimeOffset answeredAt, killedAt;
        await using (var child = await ApplianceProcess.StartAsync(dataDir.Path, environment))
        {
            adminKey = await child.FirstAdminKeyAsync();
            using var admin = child.Client(adminKey);
            await (await admin.PatchJsonAsync("/api/v1/org", new { calling_hours = "* * * * *" })).ExpectAsync(200);
            var playbook = await (await admin.PostJsonAsync("/api/v1/playbooks", new
            {
                name = "Recorded and long",
                language = "en-IN",
                max_duration_sec = 600,
                disclosure_text = "This is an automated call from Acme Insurance.",
                message_text = "Your policy renews next week.",
                dtmf = new Dictionary<string, string>(),
                record = true,
            })).ExpectAsync(201);
            await (await admin.PostJsonAsync("/api/v1/contacts", new { phone_e164 = Number, consent_capture = "manual" })).ExpectAsync(200);
            Assert.Equal(0, await Cli.ApplianceCommandLine.Build().Parse(TestStore.CliArguments(dataDir.Path, "credits", "topup", "--data-dir", dataDir.Path, "--amount-paise", "100000")).InvokeAsync());
            callId = (string)(await (await admin.PostJsonAsync("/api/v1/calls", new { agent_id = (string)playbook["data"]!["id"]!, to_e164 = Number })).ExpectAsync(201))["data"]!["id"]!;

            await WaitForAsync(async () => await StatusAsync(dataDir.Path, callId) == "in_progress", $"call {callId} in progress", child);
            var partial = await WaitForAsync(() => Task.FromResult(OpenRecording(dataDir.Path) is { } file && new FileInfo(file).Length > 44 + (4 * 32_000) ? file : null), "four seconds of recording on disk", child);
            // Kill at a moment unrelated to the writer's flushes: the next heartbeat.
            var beat = await LastSeenAsync(dataDir.Path, callId);
            await WaitForAsync(async () => await LastSeenAsync(dataDir.Path, callId) > beat, "the next heartbeat", child);
            await child.KillAsync();
            killedAt = DateTimeOffset.UtcNow; // after the process is gone, so no frame was written later

            Assert.True(File.Exists(partial), "the kill left the recording open, under its partial name");
            answeredAt = await AnsweredAtAsync(dataDir.Path, callId);
        }

        await using var restarted = await ApplianceProcess.StartAsync(dataDir.Path, environment);
        using var client = restarted.Client(adminKey);
        await WaitForAsync(async () => await StatusAsync(dataDir.Path, callId) is "completed" or "failed", $"call {callId} settled", restarted);
        var call = await WaitForAsync(
            async () => (await (await client.GetAsync($"/api/v1/calls/{callId}")).ExpectAsync(200))["data"] is { } data && data["recording_url"] is not null ? data : null,
            "the recording listed on the call",
            restarted);
        Assert.Equal(("completed", "appliance_restart"), ((string?)call["status"], (string?)call["end_reason"]));
        var url = (string)call["recording_url"]!;
        Assert.Equal($"/api/v1/calls/{callId}/recording", url);

        var response = await client.GetAsync(url);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("audio/wav", response.Content.Headers.ContentType?.MediaType);
        var wav = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("RIFF", System.Text.Encoding.ASCII.GetString(wav, 0, 4));
        Assert.Equal("WAVE", System.Text.Encoding.ASCII.GetString(wav, 8, 4));
        Assert.Equal("data", System.Text.Encoding.ASCII.GetString(wav, 36, 4));
        Assert.Equal((1, 2, 8000, 16), (BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(20)), BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(22)), BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(24)), BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(34))));
        Assert.Equal(wav.Length - 8, BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(4)));
        Assert.Equal(wav.Length - 44, BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(40)));
        Assert.Equal(0, (wav.Length - 44) % 4);

        var recorded = (wav.Length - 44) / 32_000.0;
        var talked = (killedAt - answeredAt).TotalSeconds;
        Assert.InRange(recorded, talked - 1.5, talked + 0.05); // lost: what the OS had not been handed yet; never more than was talked
        var theirs = Enumerable.Range(0, (wav.Length - 44) / 4).Select(i => BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(46 + (4 * i))) / 32768.0).ToArray();
        var middle = theirs.Length / 2;
        var loudness = Math.Sqrt(theirs[(middle - 4000)..(middle + 4000)].Average(s => s * s));
        Assert.True(loudness > 0.1, $"channel 2 holds the callee's tone in the middle of the call (RMS {loudness:0.000})");
        Assert.False(Directory.EnumerateFiles(dataDir.Combine("recordings"), "*.partial", SearchOption.AllDirectories).Any(), "no partial file is left");
    }

    private static string? OpenRecording(string dataDir)
    {
        var folder = Path.Combine(dataDir, "recordings");
        return Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*.wav.partial", SearchOption.AllDirectories).FirstOrDefault() : null;
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, string what, ApplianceProcess child)
        where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            if (child.HasExited)
            {
                throw new Xunit.Sdk.XunitException($"The appliance exited while waiting for {what}: {child.StandardError}");
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"No {what} within 90 s: {child.StandardError}");
    }

    private static Task<string> WaitForAsync(Func<Task<bool>> probe, string what, ApplianceProcess child) =>
        WaitForAsync(async () => await probe() ? what : null, what, child);

    private static async Task<string> StatusAsync(string dataDir, string callId)
    {
        await using var connection = await TestStore.OpenAsync(dataDir);
        return await connection.ExecuteScalarAsync<string>("SELECT status FROM calls WHERE id = @callId", new { callId }) ?? "";
    }

    private static async Task<DateTimeOffset> LastSeenAsync(string dataDir, string callId)
    {
        await using var connection = await TestStore.OpenAsync(dataDir);
        return UtcTimestamp.Parse(await connection.QuerySingleAsync<string>("SELECT last_seen_at FROM calls WHERE id = @callId", new { callId }));
    }

    private static async Task<DateTimeOffset> AnsweredAtAsync(string dataDir, string callId)
    {
        await using var connection = await TestStore.OpenAsync(dataDir);
        return UtcTimestamp.Parse(await connection.QuerySingleAsync<string>("SELECT answered_at FROM calls WHERE id = @callId", new { callId }));
    }
}
