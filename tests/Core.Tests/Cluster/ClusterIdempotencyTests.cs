using Cualify.Appliance.Core.Idempotency;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Core.Tests.Cluster;

public sealed class ClusterIdempotencyTests
{
    [Fact]
    public async Task Requests_racing_with_one_key_on_three_nodes_let_exactly_one_proceed()
    {
        await using var cluster = await ClusterNodes.CreateAsync(3);
        var first = cluster.First;
        var org = await first.Get<OrgStore>().CreateAsync("acme");
        var nodes = cluster.All;
        await Task.WhenAll(nodes.Select(node => node.Store.ReadAsync(c => Task.FromResult(0))));

        for (var key = 0; key < 20; key++)
        {
            using var go = new ManualResetEventSlim();
            var racing = nodes.SelectMany(node => Enumerable.Range(0, 2)).Select((node, i) => Task.Run(() =>
            {
                go.Wait();
                return nodes[i % 3].Get<IdempotencyRecords>().BeginAsync(org.Id, $"key-{key}", "same request");
            })).ToList();
            go.Set();
            var outcomes = await Task.WhenAll(racing);
            Assert.Single(outcomes, o => o.Outcome == IdempotencyOutcome.Proceed);
            Assert.All(outcomes.Where(o => o.Outcome != IdempotencyOutcome.Proceed), o => Assert.Equal(IdempotencyOutcome.InProgress, o.Outcome));
        }
    }
}
