using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Secrets;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Relay.Delivery;
using Cualify.Appliance.Testing;
using Microsoft.Extensions.Configuration;

namespace Cualify.Appliance.Relay.Tests.Cluster;

/// <summary>Two nodes on one PostgreSQL database sending one endpoint's webhooks (SPEC §9).</summary>
public sealed class DeliveryOwnershipTests
{
    [Fact]
    public async Task A_restart_puts_back_only_its_own_deliveries_and_a_survivor_takes_over_a_silent_nodes()
    {
        await using var first = await NodeAsync();
        await using var second = await NodeAsync(first);
        var webhookId = await SixDueDeliveriesAsync(first);

        Assert.Equal(3, await ClaimAsync(first, 3));
        Assert.Equal(3, await ClaimAsync(second, 3));
        Assert.Empty(await first.Get<NodeHeartbeat>().BeatAsync());
        Assert.Empty(await second.Get<NodeHeartbeat>().BeatAsync());

        // The second node restarts: its three go back to pending, the first node's three are still being sent.
        Assert.Equal(3, await second.Store.WriteAsync(second.Get<DeliveryClaims>().RecoverAsync));
        Assert.Equal(3, await SendingByAsync(first, first.Get<ClusterNode>().Id));
        Assert.Equal(3, await CountAsync(first, "pending"));

        // The first node falls silent: after the node timeout a survivor puts its claims back and sends them.
        second.Time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal([first.Get<ClusterNode>().Id], await second.Get<NodeHeartbeat>().BeatAsync());
        Assert.Equal(6, await CountAsync(first, "pending"));
        Assert.Equal(6, await ClaimAsync(second, 6));

        // The first node comes back and restarts: the survivor's six are left to it.
        Assert.Equal(0, await first.Store.WriteAsync(first.Get<DeliveryClaims>().RecoverAsync));
        Assert.Equal(6, await SendingByAsync(first, second.Get<ClusterNode>().Id));
        Assert.NotNull(webhookId);
    }

    [Fact]
    public async Task One_node_leads_and_a_survivor_takes_the_lease_when_the_leader_falls_silent()
    {
        await using var first = await NodeAsync();
        await using var second = await NodeAsync(first);

        await first.Get<NodeHeartbeat>().BeatAsync();
        await second.Get<NodeHeartbeat>().BeatAsync();
        Assert.True(first.Get<LeaderLease>().IsLeader);
        Assert.False(second.Get<LeaderLease>().IsLeader);

        // Renewed by every beat: still the first node's within the timeout.
        first.Time.Advance(TimeSpan.FromSeconds(20));
        second.Time.Advance(TimeSpan.FromSeconds(20));
        await first.Get<NodeHeartbeat>().BeatAsync();
        second.Time.Advance(TimeSpan.FromSeconds(25));
        await second.Get<NodeHeartbeat>().BeatAsync();
        Assert.False(second.Get<LeaderLease>().IsLeader);

        // The first node falls silent past its lease: the second takes over, and the first, back, does not lead.
        second.Time.Advance(TimeSpan.FromSeconds(10));
        await second.Get<NodeHeartbeat>().BeatAsync();
        Assert.True(second.Get<LeaderLease>().IsLeader);
        await first.Get<NodeHeartbeat>().BeatAsync();
        Assert.False(first.Get<LeaderLease>().IsLeader);
    }

    [Fact]
    public async Task On_SQLite_the_one_node_leads_and_a_restart_puts_back_every_delivery()
    {
        await using var node = await CoreHarness.CreateAsync(StoreProvider.Sqlite, start: RelayHarness.FakeStart, services: s => s.AddRelay(new ConfigurationBuilder().Build()));
        await SixDueDeliveriesAsync(node);
        Assert.Equal(6, await ClaimAsync(node, 6));
        Assert.True(node.Get<LeaderLease>().IsLeader);
        Assert.Equal(6, await node.Store.WriteAsync(node.Get<DeliveryClaims>().RecoverAsync));
        Assert.Equal(6, await CountAsync(node, "pending"));
    }

    [Fact]
    public async Task An_endpoints_concurrency_cap_holds_across_nodes()
    {
        var capTwo = new Dictionary<string, string?> { ["Relay:MaxConcurrencyPerEndpoint"] = "2" };
        await using var first = await NodeAsync(settings: capTwo);
        await using var second = await NodeAsync(first, capTwo);
        await SixDueDeliveriesAsync(first);

        // Each node alone would take up to its own cap; together they hold the endpoint's two.
        Assert.Equal(2, await ClaimAsync(first, 32));
        Assert.Equal(0, await ClaimAsync(second, 32));

        // One attempt finishes on the first node: the slot it frees is the other node's to take.
        await first.Store.WriteAsync(tx => tx.ExecuteAsync(
            "UPDATE webhook_deliveries SET status = 'delivered', finished_at = @Now WHERE id = (SELECT min(id) FROM webhook_deliveries WHERE status = 'sending')", new { tx.Now }));
        Assert.Equal(1, await ClaimAsync(second, 32));
        Assert.Equal(0, await ClaimAsync(first, 32));
    }

    private static Task<CoreHarness> NodeAsync(CoreHarness? sameDatabaseAs = null, Dictionary<string, string?>? settings = null) =>
        CoreHarness.CreateAsync(StoreProvider.Postgres, start: RelayHarness.FakeStart,
            services: s => s.AddRelay(new ConfigurationBuilder().AddInMemoryCollection(settings ?? []).Build()),
            migrate: sameDatabaseAs is null, sameDatabaseAs: sameDatabaseAs, settings: settings);

    private static async Task<string> SixDueDeliveriesAsync(CoreHarness node)
    {
        var org = await node.Get<OrgStore>().CreateAsync("cluster");
        var secret = node.Get<SecretProtector>().Protect(Convert.ToHexString(new byte[32]).ToLowerInvariant());
        var webhookId = $"wh_{Guid.NewGuid():N}";
        await node.Store.WriteAsync(async tx =>
        {
            await tx.ExecuteAsync("""
                INSERT INTO webhooks (id, org_id, url, events, secret, from_seq, created_at, updated_at)
                VALUES (@webhookId, @orgId, 'http://127.0.0.1:9/hook', '["*"]', @secret, 0, @Now, @Now)
                """, new { webhookId, orgId = org.Id, secret, tx.Now });
            for (var i = 0; i < 6; i++)
            {
                var stored = await node.Get<EventOutbox>().AppendAsync(tx, org.Id, "contact.created", new { n = i });
                await DeliveryTable.InsertAsync(tx, DeliveryTable.NewId(tx.Now), org.Id, webhookId, stored.Seq, stored.Id, stored.Type, "event");
            }
        });
        return webhookId;
    }

    private static Task<int> ClaimAsync(CoreHarness node, int free) =>
        node.Store.WriteAsync(async tx =>
        {
            var jobs = new List<DeliveryJob>();
            await node.Get<DeliveryClaims>().ClaimAsync(tx, await ActiveWebhook.LoadAsync(tx), _ => free, free, 0, jobs);
            return jobs.Count;
        });

    private static Task<long> CountAsync(CoreHarness node, string status) =>
        node.Store.WriteAsync(tx => tx.ExecuteScalarAsync<long>("SELECT count(*) FROM webhook_deliveries WHERE status = @status", new { status }));

    private static Task<long> SendingByAsync(CoreHarness node, string nodeId) =>
        node.Store.WriteAsync(tx => tx.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM webhook_deliveries WHERE status = 'sending' AND node_id = @nodeId", new { nodeId }));
}
