using Cualify.Appliance.Core;
using Cualify.Appliance.Core.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.Testing;

/// <summary>
/// Core's services over a real, migrated SQLite file in a temp data folder, with a fake clock: the base for tests
/// of Core's rules that need no host, no HTTP and no workers.
/// </summary>
public sealed class CoreHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly TempDirectory _dir;

    private CoreHarness(ServiceProvider services, TempDirectory dir, FakeTimeProvider time)
    {
        _services = services;
        _dir = dir;
        Time = time;
    }

    public FakeTimeProvider Time { get; }

    public string DataDir => _dir.Path;

    public ApplianceStore Store => Get<ApplianceStore>();

    public IServiceProvider Services => _services;

    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    public static async Task<CoreHarness> CreateAsync(DateTimeOffset? start = null, Action<IServiceCollection>? services = null)
    {
        var dir = new TempDirectory("core");
        var time = new FakeTimeProvider(start ?? new DateTimeOffset(2026, 5, 31, 9, 0, 0, TimeSpan.Zero));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Store:Path"] = dir.Combine("appliance.db"),
        }).Build();
        var collection = new ServiceCollection();
        collection.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        collection.AddSingleton<TimeProvider>(time);
        collection.AddSingleton<IConfiguration>(configuration);
        collection.AddSingleton(new DataDirectory(dir.Path));
        collection.AddApplianceCore(configuration);
        services?.Invoke(collection);
        var provider = collection.BuildServiceProvider();
        await provider.GetRequiredService<Migrator>().MigrateAsync();
        return new CoreHarness(provider, dir, time);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
