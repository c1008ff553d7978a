using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Tests;

/// <summary><c>init</c>, <c>migrate</c>, <c>doctor</c> and <c>backup</c> of a real appliance process on a PostgreSQL store.</summary>
public sealed class PostgresCliTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new("pgcli");
    private PostgresServer _server = null!;
    private string _database = "";

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.GetAsync();
        _database = await _server.CreateDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DropDatabaseAsync(_database);
        _data.Dispose();
    }

    private Dictionary<string, string> Postgres(string? connectionString = null) => new()
    {
        ["CUALIFY__Store__Provider"] = "postgres",
        ["CUALIFY__Store__ConnectionString"] = connectionString ?? _server.ConnectionString(_database),
    };

    private Task<ApplianceProcess.VerbResult> Verb(Dictionary<string, string> environment, params string[] arguments) =>
        ApplianceProcess.RunVerbAsync([.. arguments, "--data-dir", _data.Path], environment);

    private static string Line(ApplianceProcess.VerbResult result, string check) =>
        Assert.Single(result.StandardOutput.Split('\n'), l => l.Length > 6 && l[6..].StartsWith(check + ":", StringComparison.Ordinal));

    [Fact]
    public async Task Init_migrate_and_doctor_work_on_postgres_and_backup_points_to_pg_dump()
    {
        var init = await Verb(Postgres(), "init");
        Assert.True(init.ExitCode == 0, init.StandardOutput + init.StandardError);
        Assert.Contains($"127.0.0.1:{_server.Port}/{_database}", init.StandardError);
        Assert.False(File.Exists(Path.Combine(_data.Path, "appliance.db")), "a postgres store leaves no SQLite file");

        var migrate = await Verb(Postgres(), "migrate");
        Assert.Equal(0, migrate.ExitCode);
        Assert.Contains("up to date", migrate.StandardOutput);

        var doctor = await Verb(Postgres(), "doctor");
        Assert.Contains("PostgreSQL 15", Line(doctor, "store"));
        Assert.StartsWith("ok ", Line(doctor, "store"));
        Assert.StartsWith("ok ", Line(doctor, "migrations"));
        Assert.StartsWith("ok ", Line(doctor, "secret-key"));
        Assert.Contains("from the database server's clock", Line(doctor, "clock"));

        var backup = await Verb(Postgres(), "backup", "--out", _data.Combine("copy.db"));
        Assert.NotEqual(0, backup.ExitCode);
        Assert.Contains("pg_dump", backup.StandardOutput + backup.StandardError);
    }

    [Fact]
    public async Task Doctor_names_an_unreachable_server_and_a_sealed_password_is_opened()
    {
        var init = await Verb(Postgres(), "init");
        Assert.Equal(0, init.ExitCode);

        var unreachable = await Verb(Postgres($"Host=127.0.0.1;Port={FreePorts.Tcp()};Username=postgres;Database={_database}"), "doctor");
        Assert.Equal(1, unreachable.ExitCode);
        Assert.StartsWith("FAIL", Line(unreachable, "store"));
        Assert.Contains("cannot reach postgres://127.0.0.1:", Line(unreachable, "store"));

        var seal = await ApplianceProcess.RunVerbAsync(["secrets", "seal", "--data-dir", _data.Path], Postgres(), input: "not-needed-with-trust\n");
        Assert.True(seal.ExitCode == 0, seal.StandardError);
        var sealedPassword = seal.StandardOutput.Trim();
        var withSealedPassword = new Npgsql.NpgsqlConnectionStringBuilder(_server.ConnectionString(_database)) { Password = sealedPassword };
        var doctor = await Verb(Postgres(withSealedPassword.ConnectionString), "doctor");
        Assert.StartsWith("ok ", Line(doctor, "store"));
    }
}
