using Cualify.Appliance.Core;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Credits;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Dialer;
using Microsoft.Extensions.Configuration;
using Cualify.Appliance.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Cualify.Appliance.Bench.Dialer;

/// <summary>
/// A fresh store — a SQLite file in a temp folder, or a database of its own on a throwaway PostgreSQL 15 — with
/// orgs, consenting contacts, credits and queued calls ready to dial; on PostgreSQL more nodes can join it.
/// </summary>
internal sealed class DialerBenchWorld : IAsyncDisposable
{
    private readonly string _folder;
    private readonly Dictionary<string, string?> _settings;
    private readonly (PostgresServer Server, string Name)? _database;
    private readonly List<ServiceProvider> _nodes = [];

    private DialerBenchWorld(string folder, ServiceProvider services, Dictionary<string, string?> settings, (PostgresServer, string)? database)
    {
        _folder = folder;
        Services = services;
        _settings = settings;
        _database = database;
    }

    public ServiceProvider Services { get; }

    public string? ConnectionString => _settings.GetValueOrDefault("Store:ConnectionString");

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    public static async Task<DialerBenchWorld> CreateAsync(int orgCount, int calls, bool withDialer, string provider = StoreProvider.Sqlite)
    {
        var folder = NewFolder();
        var settings = new Dictionary<string, string?>
        {
            ["Store:Path"] = Path.Combine(folder, "appliance.db"),
            ["Store:Provider"] = provider,
            ["Dialer:MaxConcurrentCalls"] = "100000",
            ["Dialer:CallsPerSecond"] = "10000",
        };
        (PostgresServer, string)? database = null;
        if (provider == StoreProvider.Postgres)
        {
            var server = await PostgresServer.GetAsync();
            var name = await server.CreateDatabaseAsync();
            database = (server, name);
            settings["Store:ConnectionString"] = server.ConnectionString(name);
            settings["Store:SecretKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        }

        var provider1 = Build(folder, settings, withDialer);
        await provider1.GetRequiredService<ApplianceInitializer>().InitializeAsync();
        var world = new DialerBenchWorld(folder, provider1, settings, database);
        await world.SeedAsync(orgCount, calls);
        return world;
    }

    /// <summary>Another node on the same PostgreSQL database (its own data folder, node id and connection pool).</summary>
    public ServiceProvider AddNode(bool withDialer)
    {
        var folder = NewFolder();
        var node = Build(folder, new Dictionary<string, string?>(_settings) { ["Store:Path"] = Path.Combine(folder, "appliance.db") }, withDialer);
        _nodes.Add(node);
        return node;
    }

    private static ServiceProvider Build(string folder, Dictionary<string, string?> settings, bool withDialer)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(new DataDirectory(folder));
        services.AddApplianceCore(configuration);
        if (withDialer)
        {
            services.AddDialer(configuration);
        }

        return services.BuildServiceProvider();
    }

    private static string NewFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"cualify-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    private async Task SeedAsync(int orgCount, int calls)
    {
        var orgs = new List<(string Id, string Agent)>();
        for (var i = 0; i < orgCount; i++)
        {
            var org = await Get<OrgStore>().CreateAsync($"bench{i}");
            await Get<OrgStore>().UpdateTermsAsync(org.Id, new OrgTermsChange(MaxConcurrentCalls: 100_000, CallsPerSecond: 10_000));
            await Get<OrgStore>().UpdateSettingsAsync(org.Id, new OrgSettingsChange(CallingHours: "* * * * *", MaxAttemptsPerDay: 100));
            await Get<CreditLedger>().TopUpAsync(org.Id, 10_000_000_000, "bench");
            var playbook = await Get<PlaybookStore>().CreateAsync(org.Id, new PlaybookInput("bench", "en-IN", 120));
            orgs.Add((org.Id, playbook.Id));
        }

        var placement = Get<CallPlacement>();
        await Get<ApplianceStore>().WriteAsync(async tx =>
        {
            for (var i = 0; i < calls; i++)
            {
                var (orgId, agent) = orgs[i % orgs.Count];
                // Long calls (…88): they stay up while the rest are admitted, as in a busy campaign.
                var number = $"+9198{i:D6}88";
                await Get<ContactStore>().InsertAsync(tx, orgId, ContactNormalizer.Normalize(new ContactInput(number, ConsentCapture: "imported"), true));
                await placement.QueueAsync(tx, orgId, new CallRequest(agent, number));
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        await Services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_database is var (server, name))
        {
            await server.DropDatabaseAsync(name);
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
