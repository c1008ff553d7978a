using System.Text.Json;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Testing;

/// <summary>
/// Which store the appliance harnesses run on: SQLite unless the environment says
/// <c>CUALIFY_TEST_STORE=postgres</c>, then a database of its own on the test run's <see cref="PostgresServer"/>
/// for every data folder. The folder remembers its database in <see cref="ConfigFileName"/> (a settings file the
/// CLI takes with <c>--config</c>), so a restart on the same folder finds the same data; the database is dropped
/// when the <see cref="TempDirectory"/> holding that file is disposed.
/// </summary>
public static class TestStore
{
    public const string Variable = "CUALIFY_TEST_STORE";

    /// <summary>The settings file, inside a data folder, naming the folder's PostgreSQL database.</summary>
    public const string ConfigFileName = "test-store.json";

    /// <summary>Settings for a test about the SQLite file itself (its bytes, a store from before PostgreSQL): it runs on SQLite always.</summary>
    public static readonly IReadOnlyDictionary<string, string?> SqliteFile = new Dictionary<string, string?> { ["Store:Provider"] = StoreProvider.Sqlite };

    /// <summary><c>sqlite</c> or <c>postgres</c>, from <see cref="Variable"/>.</summary>
    public static string Provider { get; } = Read();

    public static bool IsPostgres => Provider == StoreProvider.Postgres;

    /// <summary>
    /// The <c>Store:*</c> settings of an appliance on <paramref name="dataDir"/>: the folder's database when it has
    /// one; else none on SQLite (<paramref name="provider"/>, or <see cref="Provider"/> when null) and a new
    /// database on PostgreSQL.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string?>> SettingsAsync(string dataDir, string? provider = null)
    {
        var file = Path.Combine(dataDir, ConfigFileName);
        if (!File.Exists(file) && (provider ?? Provider) != StoreProvider.Postgres)
        {
            return new Dictionary<string, string?>();
        }

        if (!File.Exists(file))
        {
            var server = await PostgresServer.GetAsync();
            var name = await server.CreateDatabaseAsync();
            var settings = new { Store = new { Provider = StoreProvider.Postgres, ConnectionString = server.ConnectionString(name) } };
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(settings));
        }

        var store = JsonDocument.Parse(await File.ReadAllTextAsync(file)).RootElement.GetProperty("Store");
        return new Dictionary<string, string?>
        {
            ["Store:Provider"] = StoreProvider.Postgres,
            ["Store:ConnectionString"] = store.GetProperty("ConnectionString").GetString(),
        };
    }

    /// <summary>The same settings as <c>CUALIFY__Store__…</c> variables, for an appliance run as a child process.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> EnvironmentAsync(string dataDir) =>
        (await SettingsAsync(dataDir)).ToDictionary(s => "CUALIFY__" + s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!);

    /// <summary>
    /// <paramref name="arguments"/> of a CLI verb on <paramref name="dataDir"/>, with <c>--config</c> naming the
    /// folder's database when it has one.
    /// </summary>
    public static string[] CliArguments(string dataDir, params string[] arguments) =>
        ConfigFileOf(dataDir) is { } file ? [.. arguments, "--config", file] : arguments;

    /// <summary>The settings file naming the folder's database (for <c>ApplianceSettings.ConfigFile</c>); null when it has none.</summary>
    public static string? ConfigFileOf(string dataDir)
    {
        var file = Path.Combine(dataDir, ConfigFileName);
        return File.Exists(file) ? file : null;
    }

    /// <summary>
    /// A connection to the store of the appliance run on <paramref name="dataDir"/>, for a test to read what a killed
    /// process left: the folder's PostgreSQL database, or its SQLite file (read-only unless <paramref name="readOnly"/> is false).
    /// </summary>
    public static async Task<System.Data.Common.DbConnection> OpenAsync(string dataDir, bool readOnly = true)
    {
        System.Data.Common.DbConnection connection = ConfigFileOf(dataDir) is { } file
            ? new Npgsql.NpgsqlConnection(ConnectionStringIn(file))
            : new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dataDir, "appliance.db")};Mode={(readOnly ? "ReadOnly" : "ReadWrite")};Pooling=False");
        await connection.OpenAsync();
        return connection;
    }

    private static string ConnectionStringIn(string configFile) =>
        JsonDocument.Parse(File.ReadAllText(configFile)).RootElement.GetProperty("Store").GetProperty("ConnectionString").GetString()!;

    /// <summary>Drops the database a data folder was given, if any (called by <see cref="TempDirectory.Dispose"/>).</summary>
    internal static void DropDatabaseOf(string dataDir)
    {
        var file = Path.Combine(dataDir, ConfigFileName);
        if (!File.Exists(file))
        {
            return;
        }

        var name = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionStringIn(file)).Database!;
        PostgresServer.GetAsync().GetAwaiter().GetResult().DropDatabaseAsync(name).GetAwaiter().GetResult();
    }

    private static string Read()
    {
        var value = Environment.GetEnvironmentVariable(Variable);
        return value switch
        {
            null or "" or StoreProvider.Sqlite => StoreProvider.Sqlite,
            StoreProvider.Postgres => StoreProvider.Postgres,
            _ => throw new InvalidOperationException($"{Variable} must be sqlite or postgres, not '{value}'"),
        };
    }
}
