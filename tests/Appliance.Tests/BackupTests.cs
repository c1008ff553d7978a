using System.Runtime.Versioning;
using Cualify.Appliance.Testing;
using Microsoft.Data.Sqlite;

namespace Cualify.Appliance.Tests;

/// <summary><c>backup</c> against a running appliance taking writes, and the README's restore procedure followed to the letter.</summary>
[SupportedOSPlatform("linux")]
public sealed class BackupTests
{
    [Fact]
    public async Task An_online_backup_is_consistent_private_and_restores_with_the_secret_key()
    {
        using var data = new TempDirectory("backup");
        using var elsewhere = new TempDirectory("backup-target");
        string key;
        var acknowledgedBeforeBackup = 0;
        var backupFile = elsewhere.Combine("appliance-backup.db");
        await using (var appliance = await ApplianceProcess.StartAsync(data.Path))
        {
            key = Assert.Single(
                (await appliance.WaitForOutputAsync("cuk_live_")).Split('\n').Select(l => l.Trim()), l => l.StartsWith("cuk_live_", StringComparison.Ordinal));
            using var client = appliance.Client(key);
            async Task<int> WriteAsync(int from, int count)
            {
                for (var i = from; i < from + count; i++)
                {
                    await (await client.PostRawAsync("/api/v1/contacts", $$"""{"phone_e164":"+9198{{i:D8}}","name":"Contact {{i}}","consent_capture":"manual"}""")).ExpectAsync(200);
                }

                return count;
            }

            acknowledgedBeforeBackup = await WriteAsync(0, 30);

            // Writers keep going while the backup runs (bounded: the org's limit is 120 requests a minute).
            using var stop = new CancellationTokenSource();
            var writer = Task.Run(async () =>
            {
                var i = 1000;
                while (!stop.IsCancellationRequested && i < 1080)
                {
                    await WriteAsync(i++, 1);
                }
            });
            // A recording is a file beside the store, not in it: the backup says so and how to copy it.
            Directory.CreateDirectory(data.Combine("recordings", "org-1"));
            await File.WriteAllBytesAsync(data.Combine("recordings", "org-1", "call-1.wav"), new byte[64_000]);
            var backup = await ApplianceProcess.RunVerbAsync(["backup", "--data-dir", data.Path, "--out", backupFile]);
            await stop.CancelAsync();
            await writer;
            Assert.True(backup.ExitCode == 0, backup.StandardError);
            Assert.Contains("Backing up", backup.StandardOutput);
            Assert.Contains("integrity ok", backup.StandardOutput);
            Assert.Contains("Keep the secret key", backup.StandardOutput);
            Assert.Contains($"Not in the copy: call recordings, 1 files (0.1 MB) in {data.Combine("recordings")}; copy that folder with the backup", backup.StandardOutput);
            Assert.Contains("(speech/) is a cache", backup.StandardOutput);
            Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(backupFile));
            Assert.False(File.Exists(backupFile + ".partial"));
            Assert.False(File.Exists(backupFile + "-wal"));

            var again = await ApplianceProcess.RunVerbAsync(["backup", "--data-dir", data.Path, "--out", backupFile]);
            Assert.Equal(1, again.ExitCode);
            Assert.Contains("already exists", again.StandardError);
            Assert.Equal(0, await appliance.TerminateAsync(TimeSpan.FromSeconds(60)));
        }

        // The copy holds no secret in the clear: the sealed canary is there, the key is not.
        var keyText = (await File.ReadAllTextAsync(data.Combine("secrets.key"))).Trim();
        Assert.DoesNotContain(keyText, await File.ReadAllTextAsync(backupFile));

        // Restore (README): a new data folder, the backup as appliance.db, without the key first…
        using var restored = new TempDirectory("restored");
        File.Copy(backupFile, Path.Combine(restored.Path, "appliance.db"));
        var withoutKey = await ApplianceProcess.RunVerbAsync(["run", "--data-dir", restored.Path, "--urls", "http://127.0.0.1:0"]);
        Assert.Equal(1, withoutKey.ExitCode);
        Assert.Contains("secrets.key is missing", withoutKey.StandardError);

        // …then with the store's own secrets.key beside it: the data and the keys are all there.
        File.Copy(data.Combine("secrets.key"), Path.Combine(restored.Path, "secrets.key"));
        var doctor = await ApplianceProcess.RunVerbAsync(["doctor", "--data-dir", restored.Path]);
        Assert.DoesNotContain("FAIL", doctor.StandardOutput);
        await using var service = await ApplianceProcess.StartAsync(restored.Path);
        var contacts = await (await service.Client(key).GetAsync("/api/v1/contacts?limit=1")).ExpectAsync(200);
        Assert.True((int)contacts["pagination"]!["total"]! >= acknowledgedBeforeBackup);
        await using var connection = new SqliteConnection($"Data Source={backupFile};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT count(*) FROM contacts";
        Assert.Equal((long)(int)contacts["pagination"]!["total"]!, (long)(await count.ExecuteScalarAsync())!);
    }
}
