using Cualify.Appliance.Core;
using Cualify.Appliance.Core.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.Testing;

/// <summary>
/// Core's services over a real, migrated store — a SQLite file in a temp data folder, or a database of its own on
/// the test run's PostgreSQL (<see cref="PostgresServer"/>) — with a fake clock: the base for tests of Core's rules
/// that need no host, no HTTP and no workers.
/// </summary>
public sealed class CoreHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly TempDirectory _dir;

    private readonly (PostgresServer Server, string Name)? _database;

    private CoreHarness(ServiceProvider services, TempDirectory dir, FakeTimeProvider time, (PostgresServer, string)? database)
    {
        _services = services;
        _dir = dir;
        Time = time;
        _database = database;
    }

    /// <summary><c>sqlite</c> or <c>postgres</c>.</summary>
    public string Provider => Setting("Store:Provider")!;

    public string? Setting(string key) => Get<IConfiguration>()[key];

    public FakeTimeProvider Time { get; }

    public string DataDir => _dir.Path;

    public ApplianceStore Store => Get<ApplianceStore>();

    public IServiceProvider Services => _services;

    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    public static Task<CoreHarness> CreateAsync(DateTimeOffset? start = null, Action<IServiceCollection>? services = null) =>
        CreateAsync(StoreProvider.Sqlite, start, services);

    /// <param name="sameDatabaseAs">Another harness whose PostgreSQL database (and secret key) this one shares: a second node.</param>
    /// <param name="settings">More configuration, for example <c>Dialer:MaxConcurrentCalls</c>.</param>
    public static async Task<CoreHarness> CreateAsync(string provider, DateTimeOffset? start = null, Action<IServiceCollection>? services = null, bool migrate = true,
        CoreHarness? sameDatabaseAs = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var dir = new TempDirectory("core");
        var time = new FakeTimeProvider(start ?? new DateTimeOffset(2026, 5, 31, 9, 0, 0, TimeSpan.Zero));
        var values = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["Store:Path"] = dir.Combine("appliance.db"),
            ["Store:Provider"] = provider,
        };
        (PostgresServer, string)? database = null;
        if (sameDatabaseAs is not null)
        {
            values["Store:Provider"] = StoreProvider.Postgres;
            values["Store:ConnectionString"] = sameDatabaseAs.Setting("Store:ConnectionString");
            values["Store:SecretKey"] = sameDatabaseAs.Setting("Store:SecretKey");
        }
        else if (provider == StoreProvider.Postgres)
        {
            var server = await PostgresServer.GetAsync();
            var name = await server.CreateDatabaseAsync();
            database = (server, name);
            values["Store:ConnectionString"] = server.ConnectionString(name);
            // Every node of one database runs with the same secret key (SPEC §9).
            values["Store:SecretKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var collection = new ServiceCollection();
        collection.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        collection.AddSingleton<TimeProvider>(time);
        collection.AddSingleton<IConfiguration>(configuration);
        collection.AddSingleton(new DataDirectory(dir.Path));
        collection.AddApplianceCore(configuration);
        services?.Invoke(collection);
        var built = collection.BuildServiceProvider();
        if (migrate)
        {
            await built.GetRequiredService<Migrator>().MigrateAsync();
        }

        return new CoreHarness(built, dir, time, database);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_database is var (server, name))
        {
            await server.DropDatabaseAsync(name);
        }

        _dir.Dispose();
    }
}
