using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Tests;

/// <summary>Started by hand (no systemd unit), under the most permissive umask, the appliance still keeps its files to itself.</summary>
public sealed class PrivateFilesTests
{
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_data_folder_store_logs_keys_and_audio_are_private_even_under_umask_000()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Fail("this test checks Unix file modes; run it on Linux");
            return;
        }

        using var parent = new TempDirectory("private");
        var dataDir = parent.Combine("data");
        await using (var appliance = await StartUnderUmask000Async(dataDir))
        {
            using var admin = appliance.Client(await appliance.FirstAdminKeyAsync());
            await (await admin.PostJsonAsync("/api/v1/contacts", new { phone_e164 = "+919812345678", name = "Riya Sharma", consent_capture = "manual" })).ExpectAsync(200);
            var playbook = (string)(await (await admin.PostJsonAsync("/api/v1/playbooks", new
            {
                name = "Renewal", language = "en-IN", max_duration_sec = 60, disclosure_text = "This call is from Acme.", message_text = "Your policy renews.",
            })).ExpectAsync(201))["data"]!["id"]!;
            var wav = new ByteArrayContent(SilentWav()) { Headers = { ContentType = new MediaTypeHeaderValue("audio/wav") } };
            await (await admin.PostAsync($"/api/v1/playbooks/{playbook}/audio", wav)).ExpectAsync(201);

            var folders = new[] { dataDir }.Concat(Directory.GetDirectories(dataDir, "*", SearchOption.AllDirectories)).ToList();
            var files = Directory.GetFiles(dataDir, "*", SearchOption.AllDirectories).ToList();
            Assert.Contains(files, f => f.EndsWith("appliance.db", StringComparison.Ordinal));
            Assert.Contains(files, f => f.EndsWith("appliance.db-wal", StringComparison.Ordinal));
            Assert.Contains(files, f => f.EndsWith("secrets.key", StringComparison.Ordinal));
            Assert.Contains(files, f => f.Contains($"{Path.DirectorySeparatorChar}logs{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
            Assert.Contains(files, f => f.EndsWith(".ulaw", StringComparison.Ordinal));
            var open = folders.Where(f => File.GetUnixFileMode(f) != PrivateFolder).Select(f => $"{f} {File.GetUnixFileMode(f)}")
                .Concat(files.Where(f => File.GetUnixFileMode(f) != PrivateFile).Select(f => $"{f} {File.GetUnixFileMode(f)}"))
                .ToList();
            Assert.True(open.Count == 0, "not private: " + string.Join("; ", open));
        }
    }

    /// <summary>
    /// The real executable started by a shell whose umask is 000, outside systemd (no INVOCATION_ID): the umask is
    /// the process's own, so it is set in a child process and never in the test process.
    /// </summary>
    private static Task<ApplianceProcess> StartUnderUmask000Async(string dataDir)
    {
        var baseAddress = new Uri($"http://127.0.0.1:{ApplianceProcess.FreeTcpPort()}");
        var start = new ProcessStartInfo("/bin/sh");
        foreach (var argument in new[] { "-c", "umask 000 && exec \"$0\" \"$@\"", ApplianceProcess.ExecutablePath,
                     "run", "--data-dir", dataDir, "--urls", baseAddress.ToString().TrimEnd('/') })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("INVOCATION_ID");
        start.Environment["CUALIFY__Logging__Level"] = "Information";
        return ApplianceProcess.LaunchAsync(start, baseAddress);
    }

    /// <summary>A tenth of a second of 8 kHz 16-bit mono silence.</summary>
    private static byte[] SilentWav()
    {
        const int samples = 800;
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream, Encoding.ASCII);
        writer.Write("RIFF"u8);
        writer.Write(36 + (samples * 2));
        writer.Write("WAVEfmt "u8);
        writer.Write(16);
        writer.Write((short)1);
        writer.Write((short)1);
        writer.Write(8000);
        writer.Write(16000);
        writer.Write((short)2);
        writer.Write((short)16);
        writer.Write("data"u8);
        writer.Write(samples * 2);
        writer.Write(new byte[samples * 2]);
        writer.Flush();
        return stream.ToArray();
    }
}
