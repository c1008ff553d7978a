using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Tests;

/// <summary>Runs a store test once on each provider: <c>[Theory, ClassData(typeof(StoreProviders))]</c>.</summary>
public sealed class StoreProviders : TheoryData<string>
{
    public StoreProviders()
    {
        Add(StoreProvider.Sqlite);
        Add(StoreProvider.Postgres);
    }
}
