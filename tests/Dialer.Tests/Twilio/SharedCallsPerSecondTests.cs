using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Dialer.Twilio;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Dialer.Tests.Twilio;

/// <summary>Twilio's calls per second is the account's: two nodes on one PostgreSQL database share one bucket.</summary>
public sealed class SharedCallsPerSecondTests
{
    [Fact]
    public async Task Two_nodes_together_create_no_more_calls_than_the_account_rate()
    {
        await using var first = await CoreHarness.CreateAsync(StoreProvider.Postgres);
        await using var second = await CoreHarness.CreateAsync(StoreProvider.Postgres, sameDatabaseAs: first, migrate: false);
        var firstGate = new CallsPerSecondGate(2, first.Time, first.Get<SharedRate>());
        var secondGate = new CallsPerSecondGate(2, second.Time, second.Get<SharedRate>());

        // The first node uses the whole burst of two; the second waits for the rate, not for a bucket of its own.
        await firstGate.WaitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        await firstGate.WaitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        var third = secondGate.WaitAsync(CancellationToken.None);
        await Task.Delay(200);
        Assert.False(third.IsCompleted, "a third call within the same second on the other node");

        second.Time.Advance(TimeSpan.FromMilliseconds(500));
        await third.WaitAsync(TimeSpan.FromSeconds(10));
        var fourth = firstGate.WaitAsync(CancellationToken.None);
        await Task.Delay(200);
        Assert.False(fourth.IsCompleted, "the first node's next call waits for the second node's");
        first.Time.Advance(TimeSpan.FromSeconds(1));
        await fourth.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
