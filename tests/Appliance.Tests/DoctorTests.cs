using System.Runtime.Versioning;
using Cualify.Appliance.Core.Health;
using Cualify.Appliance.Doctor;
using Cualify.Appliance.Hosting;
using Cualify.Appliance.Testing;
using Cualify.Appliance.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Cualify.Appliance.Tests;

/// <summary><c>doctor</c> run as an admin would, against a good install and deliberately broken ones.</summary>
[SupportedOSPlatform("linux")]
public sealed class DoctorTests
{
    private static async Task<TempDirectory> InitializedAsync()
    {
        var data = new TempDirectory("doctor");
        File.SetUnixFileMode(data.Path, (UnixFileMode)0b111_101_000);
        var init = await ApplianceProcess.RunVerbAsync(["init", "--data-dir", data.Path]);
        Assert.Equal(0, init.ExitCode);
        return data;
    }

    private static async Task<ApplianceProcess.VerbResult> Doctor(string dataDir, IReadOnlyDictionary<string, string>? environment = null, params string[] extra) =>
        await ApplianceProcess.RunVerbAsync(["doctor", "--data-dir", dataDir, .. extra], environment);

    private static string Line(ApplianceProcess.VerbResult result, string check) =>
        Assert.Single(result.StandardOutput.Split('\n'), l => l.Length > 6 && l[6..].StartsWith(check + ":", StringComparison.Ordinal));

    [Fact]
    public async Task A_healthy_install_passes_every_check()
    {
        using var data = await InitializedAsync();
        var result = await Doctor(data.Path);
        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        foreach (var check in new[] { "config", "data-folder", "store", "migrations", "secret-key" })
        {
            Assert.StartsWith("ok ", Line(result, check));
        }

        // This machine's kernel may report NTP as unsynchronised: that is a warning, never a failure.
        Assert.DoesNotContain("FAIL", result.StandardOutput);
        Assert.Contains("doctor: ", result.StandardOutput);
        Assert.Contains("0 failure(s)", result.StandardOutput);
    }

    [Fact]
    public async Task Bad_settings_are_each_named_with_where_to_change_them()
    {
        using var data = await InitializedAsync();
        var settings = data.Combine("site.json");
        await File.WriteAllTextAsync(settings, """
            // a site's override file, with a comment as the installer's template has
            { "Api": { "Urls": "ftp://0.0.0.0:21" }, "Logging": { "RetainedDays": 0 }, }
            """);
        var result = await Doctor(data.Path, new Dictionary<string, string> { ["CUALIFY__Store__Synchronous"] = "SOMETIMES" }, "--config", settings);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"FAIL  config: Api:Urls has 'ftp://0.0.0.0:21', which is not an http:// or https:// URL (now \"ftp://0.0.0.0:21\"). Fix: change Api:Urls in {settings}", result.StandardOutput);
        Assert.Contains($"FAIL  config: Logging:RetainedDays must be a whole number of days between 1 and 3650, e.g. 14 (now \"0\"). Fix: change Logging:RetainedDays in {settings}", result.StandardOutput);
        Assert.Contains("FAIL  config: Store:Synchronous must be FULL or NORMAL (now \"SOMETIMES\"). Fix: change the environment variable CUALIFY__Store__Synchronous", result.StandardOutput);

        await File.WriteAllTextAsync(settings, """{ "Api": { "Urls": """);
        var unreadable = await Doctor(data.Path, null, "--config", settings);
        Assert.Equal(1, unreadable.ExitCode);
        Assert.Contains($"Fix: correct the JSON in {settings}", Line(unreadable, "config"));

        var conversion = await Doctor(data.Path, new Dictionary<string, string> { ["CUALIFY__Host__ShutdownTimeout"] = "half a minute" });
        Assert.Equal(1, conversion.ExitCode);
        Assert.Contains("Host:ShutdownTimeout", Line(conversion, "config"));
        Assert.Contains("Fix: change the environment variable CUALIFY__Host__ShutdownTimeout", Line(conversion, "config"));
    }

    [Fact]
    public async Task A_data_folder_the_user_cannot_write_is_named_with_the_chown_that_fixes_it()
    {
        Root.Require("runs doctor as an unprivileged user");
        using var data = await InitializedAsync();
        File.SetUnixFileMode(data.Path, (UnixFileMode)0b111_000_000); // root's alone
        var result = await ApplianceProcess.RunAsync(Root.AsUser("nobody", ApplianceProcess.ExecutablePath, "doctor", "--data-dir", data.Path));
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"FAIL  data-folder: nobody cannot write {data.Path}", Line(result, "data-folder"));
        Assert.Contains($"Fix: make the service user own it: chown -R cualify: {data.Path} && chmod 750 {data.Path}", Line(result, "data-folder"));
        Assert.StartsWith("FAIL  store: cannot read", Line(result, "store"));
    }

    [Fact]
    public async Task Files_left_by_root_in_the_service_folder_are_found_and_root_is_refused_there()
    {
        Root.Require("changes file owners");
        using var data = await InitializedAsync();
        await ApplianceProcess.RunAsync(Root.Command("chown", "-R", "nobody:nogroup", data.Path));
        await File.WriteAllTextAsync(data.Combine("logs", "appliance-20990101.log"), "left by a verb run as root\n");
        var asRoot = await Doctor(data.Path);
        Assert.Equal(1, asRoot.ExitCode);
        Assert.Contains("belongs to the service user 'nobody'; run this as that user", asRoot.StandardError);

        var asService = await ApplianceProcess.RunAsync(Root.AsUser("nobody", ApplianceProcess.ExecutablePath, "doctor", "--data-dir", data.Path));
        Assert.Equal(1, asService.ExitCode);
        Assert.Contains("logs/appliance-20990101.log (owned by root)", Line(asService, "data-folder"));
        Assert.Contains($"Fix: chown -R nobody: {data.Path}", Line(asService, "data-folder"));
    }

    [Fact]
    public async Task A_damaged_store_is_reported_with_the_restore_procedure()
    {
        using var data = await InitializedAsync();
        var store = data.Combine("appliance.db");
        await using (var connection = new SqliteConnection($"Data Source={store};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            await checkpoint.ExecuteNonQueryAsync();
        }

        await using (var file = new FileStream(store, FileMode.Open, FileAccess.Write))
        {
            file.Position = 4096; // page 2 onwards: table b-trees
            file.Write(Enumerable.Range(0, 8192).Select(i => (byte)(i * 7 + 13)).ToArray());
        }

        var result = await Doctor(data.Path);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"FAIL  store: {store} is damaged", result.StandardOutput);
        Assert.Contains("Fix: stop the service, keep the damaged file aside, and restore the latest backup (README: Backup and restore)", Line(result, "store"));
    }

    [Fact]
    public async Task A_pending_migration_is_reported_until_migrate_applies_it()
    {
        using var data = await InitializedAsync();
        await using (var connection = new SqliteConnection($"Data Source={data.Combine("appliance.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var forget = connection.CreateCommand();
            forget.CommandText = "DELETE FROM schema_migrations WHERE number = 400";
            Assert.Equal(1, await forget.ExecuteNonQueryAsync());
        }

        var pending = await Doctor(data.Path);
        Assert.Equal(1, pending.ExitCode);
        Assert.Equal("FAIL  migrations: 1 migration(s) not applied: 0400 secret_key_check. Fix: run: cualify-appliance migrate (as the service user), or restart the service, which migrates on start",
            Line(pending, "migrations").TrimEnd());

        Assert.Equal(0, (await ApplianceProcess.RunVerbAsync(["migrate", "--data-dir", data.Path])).ExitCode);
        Assert.StartsWith("ok ", Line(await Doctor(data.Path), "migrations"));
    }

    [Fact]
    public async Task A_secret_key_that_does_not_belong_to_the_store_is_caught_by_doctor_and_by_run()
    {
        using var data = await InitializedAsync();
        var keyFile = data.Combine("secrets.key");
        File.SetUnixFileMode(keyFile, (UnixFileMode)0b110_100_100);
        Assert.Contains($"Fix: chmod 600 {keyFile}", Line(await Doctor(data.Path), "secret-key"));

        await File.WriteAllTextAsync(keyFile, Convert.ToBase64String(new byte[32]));
        File.SetUnixFileMode(keyFile, (UnixFileMode)0b110_000_000);
        var result = await Doctor(data.Path);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is not the one this store was created with", Line(result, "secret-key"));

        var run = await ApplianceProcess.RunVerbAsync(["run", "--data-dir", data.Path, "--urls", "http://127.0.0.1:0"]);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Put back the secrets.key that belongs to this store", run.StandardError);
    }

    [Fact]
    public async Task Checks_that_features_register_run_after_the_hosts_in_order_and_a_failure_fails_doctor()
    {
        using var data = await InitializedAsync();
        var output = new StringWriter();
        var exit = await DoctorCommand.RunAsync(new ApplianceSettings(data.Path), output, CancellationToken.None, services => services
            .AddDoctorCheck<TrunkCheck>()
            .AddDoctorCheck<BrokenCheck>()
            .AddDoctorCheck<SlowCheck>());
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1, exit);
        var names = lines.Where(l => !l.StartsWith("doctor:", StringComparison.Ordinal)).Select(l => l[6..l.IndexOf(':')]).ToList();
        // The mailer's own smtp check comes from AddMailer, before the ones this test adds after the composition root.
        Assert.Equal(["config", "data-folder", "store", "migrations", "secret-key", "clock", "smtp", "example-trunk", "example-mail", "example-api"], names);
        // Lines are masked like the logs: a check that names a number does not print it.
        Assert.True(output.ToString().Contains("FAIL  example-trunk: OPTIONS to trunk.example from +91********78 got 403. Fix: check Dialer:Sip:Username and Password", StringComparison.Ordinal), output.ToString());
        Assert.Contains("FAIL  example-mail: the check itself failed: connection refused. Fix: fix the cause named above", output.ToString());
        Assert.Contains("FAIL  example-api: no answer within 1 s", output.ToString());
        Assert.DoesNotContain("+919812345678", output.ToString());
    }

    private sealed class TrunkCheck : IDoctorCheck
    {
        public string Name => "example-trunk";

        public Task<DoctorResult> RunAsync(CancellationToken cancellationToken) =>
            Task.FromResult(DoctorResult.Fail("OPTIONS to trunk.example from +919812345678 got 403", "check Dialer:Sip:Username and Password"));
    }

    private sealed class BrokenCheck : IDoctorCheck
    {
        public string Name => "example-mail";

        public Task<DoctorResult> RunAsync(CancellationToken cancellationToken) => throw new IOException("connection refused");
    }

    private sealed class SlowCheck : IDoctorCheck
    {
        public string Name => "example-api";

        public TimeSpan Timeout => TimeSpan.FromSeconds(1);

        public async Task<DoctorResult> RunAsync(CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout * 30, cancellationToken);
            return DoctorResult.Ok("answered");
        }
    }
}
