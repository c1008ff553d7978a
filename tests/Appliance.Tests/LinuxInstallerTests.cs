using System.Diagnostics;
using System.Runtime.Versioning;
using Cualify.Appliance.Testing;
using Cualify.Appliance.Tests.Support;

namespace Cualify.Appliance.Tests;

/// <summary>
/// installer/linux run for real, as root, against the published single-file build, into a scratch layout
/// (the same script with its path options; /opt, /etc and /var/lib are the defaults). systemd is not PID 1 here,
/// so the service binary is started from the installed layout as the unit's User= would start it.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class LinuxInstallerTests
{
    private static string Installer(string name) => Path.Combine(PublishedBuild.RepositoryRoot, "installer", "linux", name);

    [Fact]
    public async Task Install_serves_upgrade_keeps_store_and_settings_uninstall_keeps_data_unless_purged()
    {
        Root.Require("creates a service user and installs a service");
        var systemdAnalyze = RequiredTool.Find("systemd-analyze", "apt-get install systemd");
        var build = await PublishedBuild.EnsureAsync("linux-x64");
        using var scratch = new TempDirectory("install");
        File.SetUnixFileMode(scratch.Path, (UnixFileMode)0b111_101_101);
        var user = $"cualify{Guid.NewGuid().ToString("N")[..6]}";
        var layout = new Layout(scratch.Path, user);
        try
        {
            // First install: layout, ownership, modes, the key printed once.
            var install = await Run(Root.Command("bash", [Installer("install.sh"), "--from", build, .. layout.Options]));
            Assert.True(install.ExitCode == 0, install.StandardOutput + install.StandardError);
            var key = Assert.Single(install.StandardOutput.Split('\n').Select(l => l.Trim()), l => l.StartsWith("cuk_live_", StringComparison.Ordinal));
            Assert.Contains("FIRST ADMIN KEY", install.StandardOutput);
            Assert.Contains(Directory.Exists("/run/systemd/system") ? "--skip-systemctl: skipped" : "systemd is not running on this machine", install.StandardOutput);
            AssertOwnedBy("root", layout.Exe, (UnixFileMode)0b111_101_101);
            AssertOwnedBy(user, layout.DataDir, (UnixFileMode)0b111_101_000);
            AssertOwnedBy(user, Path.Combine(layout.DataDir, "secrets.key"), (UnixFileMode)0b110_000_000);
            Assert.Equal((UnixFileMode)0b110_100_000, File.GetUnixFileMode(layout.ConfigFile));
            Assert.Empty(Directory.GetFiles(layout.BinDir, "*.pdb"));

            // The unit: notify type, hardening, paths filled in; systemd-analyze finds nothing to say.
            var unit = await File.ReadAllTextAsync(layout.Unit);
            foreach (var line in new[]
                     {
                         "Type=notify", $"User={user}", $"ExecStart={layout.Exe} run --data-dir {layout.DataDir} --config {layout.ConfigFile}",
                         "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", $"ReadWritePaths={layout.DataDir}",
                         "CapabilityBoundingSet=\n", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK", "TimeoutStopSec=45s",
                     })
            {
                Assert.Contains(line, unit);
            }

            Assert.DoesNotMatch("@[A-Z_]+@", unit);
            var verify = await Run(Root.Command(systemdAnalyze, "verify", layout.Unit));
            Assert.True(verify.ExitCode == 0 && verify.StandardError.Trim() == "", $"systemd-analyze verify: {verify.StandardError}");

            // The service binary from the installed layout, as the service user, answers and stops cleanly on SIGTERM.
            await using (var service = await StartService(layout))
            {
                using var client = service.Client(key);
                await (await client.GetAsync("/readyz")).ExpectAsync(200);
                await (await client.PostRawAsync("/api/v1/contacts", """{"phone_e164":"+919812345678","name":"Riya","consent_capture":"manual"}""")).ExpectAsync(200);
                Assert.Equal(0, await service.TerminateAsync(TimeSpan.FromSeconds(60)));
            }

            // The admin command runs verbs as the service user: doctor passes, a backup lands in the backup folder.
            var doctor = await Run(Root.Command(layout.Command, "doctor"));
            Assert.True(doctor.ExitCode == 0, doctor.StandardOutput + doctor.StandardError);
            Assert.Contains("ok    store:", doctor.StandardOutput);
            var backupFile = Path.Combine(layout.BackupDir, "first.db");
            var backup = await Run(Root.Command(layout.Command, "backup", "--out", backupFile));
            Assert.True(backup.ExitCode == 0, backup.StandardOutput + backup.StandardError);
            AssertOwnedBy(user, backupFile, (UnixFileMode)0b110_000_000);

            // Upgrade: same script again; the store, the key and the admin's settings stay.
            var settings = (await File.ReadAllTextAsync(layout.ConfigFile)).Replace("\"RetainedDays\": 14", "\"RetainedDays\": 30");
            await File.WriteAllTextAsync(layout.ConfigFile, settings);
            var upgrade = await Run(Root.Command("bash", [Installer("install.sh"), "--from", build, .. layout.Options]));
            Assert.True(upgrade.ExitCode == 0, upgrade.StandardOutput + upgrade.StandardError);
            Assert.Contains("Upgrading", upgrade.StandardOutput);
            Assert.Contains("Kept your settings", upgrade.StandardOutput);
            Assert.DoesNotContain("cuk_live_", upgrade.StandardOutput);
            Assert.Equal(settings, await File.ReadAllTextAsync(layout.ConfigFile));
            await using (var service = await StartService(layout))
            {
                var contacts = await (await service.Client(key).GetAsync("/api/v1/contacts")).ExpectAsync(200);
                Assert.Equal(1, (int)contacts["pagination"]!["total"]!);
                Assert.Equal(0, await service.TerminateAsync(TimeSpan.FromSeconds(60)));
            }

            // Uninstall: service, program and admin command go; data, settings, backups and the user stay.
            var uninstall = await Run(Root.Command("bash", [Installer("uninstall.sh"), .. layout.Options]));
            Assert.True(uninstall.ExitCode == 0, uninstall.StandardOutput + uninstall.StandardError);
            Assert.False(File.Exists(layout.Unit));
            Assert.False(Directory.Exists(layout.BinDir));
            Assert.False(File.Exists(layout.Command));
            Assert.True(File.Exists(Path.Combine(layout.DataDir, "appliance.db")));
            Assert.True(File.Exists(Path.Combine(layout.DataDir, "secrets.key")));
            Assert.True(File.Exists(layout.ConfigFile));
            Assert.True(File.Exists(backupFile));
            Assert.Equal(0, (await Run(Root.Command("id", "-u", user))).ExitCode);

            // Reinstalling picks the kept store up again (no new key); --purge removes everything.
            var reinstall = await Run(Root.Command("bash", [Installer("install.sh"), "--from", build, .. layout.Options]));
            Assert.True(reinstall.ExitCode == 0, reinstall.StandardOutput + reinstall.StandardError);
            Assert.Contains("Kept the store", reinstall.StandardOutput);
            Assert.DoesNotContain("cuk_live_", reinstall.StandardOutput);
            var purge = await Run(Root.Command("bash", [Installer("uninstall.sh"), "--purge", .. layout.Options]));
            Assert.True(purge.ExitCode == 0, purge.StandardOutput + purge.StandardError);
            Assert.False(Directory.Exists(layout.DataDir));
            Assert.False(Directory.Exists(layout.ConfigDir));
            Assert.NotEqual(0, (await Run(Root.Command("id", "-u", user))).ExitCode);
        }
        finally
        {
            await Run(Root.Command("bash", [Installer("uninstall.sh"), "--purge", .. layout.Options]));
        }
    }

    [Fact]
    public async Task Install_refuses_to_run_as_a_normal_user()
    {
        Root.Require("switches to an unprivileged user");
        var result = await Run(Root.AsUser("nobody", "/bin/bash", Installer("install.sh")));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("run as root", result.StandardError);
    }

    private static Task<ApplianceProcess.VerbResult> Run(ProcessStartInfo info) => ApplianceProcess.RunAsync(info, TimeSpan.FromMinutes(3));

    private static Task<ApplianceProcess> StartService(Layout layout)
    {
        var address = new Uri($"http://127.0.0.1:{FreePorts.Tcp()}/");
        var info = Root.AsUser(layout.User, layout.Exe, "run", "--data-dir", layout.DataDir, "--config", layout.ConfigFile, "--urls", address.ToString().TrimEnd('/'));
        info.WorkingDirectory = layout.DataDir;
        return ApplianceProcess.LaunchAsync(info, address);
    }

    private static void AssertOwnedBy(string user, string path, UnixFileMode mode)
    {
        Assert.True(File.Exists(path) || Directory.Exists(path), $"{path} is missing");
        Assert.Equal(mode, File.GetUnixFileMode(path));
        Assert.Equal(user, OwnerName(path));
    }

    private static string OwnerName(string path)
    {
        var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%U", path]) { RedirectStandardOutput = true })!;
        var owner = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return owner;
    }

    private sealed record Layout(string Root, string User)
    {
        public string BinDir => Path.Combine(Root, "opt", "cualify-appliance");
        public string Exe => Path.Combine(BinDir, "cualify-appliance");
        public string ConfigDir => Path.Combine(Root, "etc", "cualify-appliance");
        public string ConfigFile => Path.Combine(ConfigDir, "appsettings.json");
        public string DataDir => Path.Combine(Root, "var", "lib", "cualify-appliance");
        public string BackupDir => Path.Combine(Root, "var", "backups", "cualify-appliance");
        public string UnitDir => Path.Combine(Root, "systemd");
        public string Unit => Path.Combine(UnitDir, "cualify-appliance.service");
        public string Command => Path.Combine(Root, "bin", "cualify-appliance");

        public string[] Options =>
        [
            "--bin-dir", BinDir, "--config-dir", ConfigDir, "--data-dir", DataDir, "--backup-dir", BackupDir,
            "--unit-dir", UnitDir, "--command-link", Command, "--user", User,
            .. Directory.Exists("/run/systemd/system") ? new[] { "--skip-systemctl" } : [],
        ];
    }
}
