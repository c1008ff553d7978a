using Cualify.Appliance.Core;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Credits;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Dialer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cualify.Appliance.Bench.Dialer;

/// <summary>A fresh store in a temp folder with orgs, consenting contacts, credits and queued calls ready to dial.</summary>
internal sealed class DialerBenchWorld : IAsyncDisposable
{
    private readonly string _folder;

    private DialerBenchWorld(string folder, ServiceProvider services)
    {
        _folder = folder;
        Services = services;
    }

    public ServiceProvider Services { get; }

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    public static async Task<DialerBenchWorld> CreateAsync(int orgCount, int calls, bool withDialer)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"cualify-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Store:Path"] = Path.Combine(folder, "appliance.db"),
            ["Dialer:MaxConcurrentCalls"] = "100000",
            ["Dialer:CallsPerSecond"] = "10000",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(new DataDirectory(folder));
        services.AddApplianceCore(configuration);
        if (withDialer)
        {
            services.AddDialer(configuration);
        }

        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<ApplianceInitializer>().InitializeAsync();
        var world = new DialerBenchWorld(folder, provider);
        await world.SeedAsync(orgCount, calls);
        return world;
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
        await Services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
