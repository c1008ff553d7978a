namespace Cualify.Appliance.Testing;

/// <summary>A database of its own on the test run's PostgreSQL, with the settings that put an appliance on it; dropped on dispose.</summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    private readonly PostgresServer _server;
    private readonly string _name;

    private PostgresDatabase(PostgresServer server, string name)
    {
        _server = server;
        _name = name;
        ConnectionString = server.ConnectionString(name);
    }

    public string ConnectionString { get; }

    /// <summary>Every node of one database shares the secret key (SPEC §9).</summary>
    public string SecretKey { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public static async Task<PostgresDatabase> CreateAsync()
    {
        var server = await PostgresServer.GetAsync();
        return new PostgresDatabase(server, await server.CreateDatabaseAsync());
    }

    public Dictionary<string, string?> Settings(IReadOnlyDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Store:Provider"] = "postgres",
            ["Store:ConnectionString"] = ConnectionString,
            ["Store:SecretKey"] = SecretKey,
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>The same settings as <c>CUALIFY__Store__…</c> variables, for appliances run as child processes.</summary>
    public Dictionary<string, string> Environment() =>
        Settings().ToDictionary(s => "CUALIFY__" + s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!);

    public ValueTask DisposeAsync() => new(_server.DropDatabaseAsync(_name));
}
