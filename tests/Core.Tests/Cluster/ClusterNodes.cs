using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Core.Tests.Cluster;

/// <summary>Several Core harnesses on one PostgreSQL database and secret key: the nodes of one cluster, in one process.</summary>
internal sealed class ClusterNodes : IAsyncDisposable
{
    private ClusterNodes(IReadOnlyList<CoreHarness> all) => All = all;

    public IReadOnlyList<CoreHarness> All { get; }

    public CoreHarness First => All[0];

    public static async Task<ClusterNodes> CreateAsync(int count, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var first = await CoreHarness.CreateAsync(StoreProvider.Postgres, settings: settings);
        var all = new List<CoreHarness> { first };
        for (var i = 1; i < count; i++)
        {
            all.Add(await CoreHarness.CreateAsync(StoreProvider.Postgres, sameDatabaseAs: first, settings: settings, migrate: false));
        }

        return new ClusterNodes(all);
    }

    public async ValueTask DisposeAsync()
    {
        // The first node owns the database: it goes last.
        foreach (var node in All.Reverse())
        {
            await node.DisposeAsync();
        }
    }
}
