using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Sequences;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Dapper;

namespace Cualify.Appliance.Core.Tests.Cluster;

/// <summary>Nodes sharing one PostgreSQL database take each sequence step once.</summary>
public sealed class ClusterStepTests
{
    [Fact]
    public async Task Three_nodes_placing_due_voice_steps_at_once_queue_one_call_per_step()
    {
        await using var cluster = await ClusterNodes.CreateAsync(3);
        var first = cluster.First;
        await first.Get<ApplianceInitializer>().InitializeAsync();
        var orgs = first.Get<OrgStore>();
        var org = (await orgs.FindAsync("default"))!;
        await orgs.UpdateSettingsAsync(org.Id, new OrgSettingsChange(CallingHours: "* * * * *", MaxAttemptsPerDay: 10));
        await first.Get<Cualify.Appliance.Core.Credits.CreditLedger>().TopUpAsync(org.Id, 100_000_000, null);
        var playbook = await first.Get<PlaybookStore>().CreateAsync(org.Id, new PlaybookInput("p"));
        var template = await first.Get<SequenceTemplateStore>().CreateAsync(org.Id, new TemplateInput(
            "calls", ["voice"], [new TemplateStepInput("voice", 0, null, null, playbook.Id)], null, "* * * * *", false));
        const int steps = 200;
        for (var i = 0; i < steps; i++)
        {
            await first.Get<SequenceStarter>().StartAsync(org.Id, new SequenceStartInput(template.Id,
                new SequenceStartContact("P", $"{i}", null, [$"+9198124{i:D5}"], null, null, "manual", null), AutoApprove: true, null));
        }

        // auto_approve placed each first call at once; take them back so that every step is due for the nodes' runners.
        await first.Store.WriteAsync(async tx =>
        {
            await tx.ExecuteAsync("UPDATE sequence_steps SET status = 'scheduled', call_id = NULL, attempts = 0, scheduled_at = @Now", new { tx.Now });
            await tx.ExecuteAsync("DELETE FROM call_timeline");
            await tx.ExecuteAsync("DELETE FROM calls");
        });
        var nodes = cluster.All;
        foreach (var node in nodes)
        {
            node.Time.Advance(TimeSpan.FromMinutes(35));
        }

        // Each node's first round opens its connections; the rounds after that overlap.
        await Task.WhenAll(nodes.Select(node => node.Store.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT 1"))));
        using var go = new ManualResetEventSlim();
        var placing = nodes.Select(node => Task.Run(() =>
        {
            go.Wait();
            return node.Get<VoiceSteps>().PlaceDueAsync();
        })).ToList();
        go.Set();
        await Task.WhenAll(placing);

        var (calls, placedSteps, distinctCalls) = await first.Store.ReadAsync(async c => (
            await c.ExecuteScalarAsync<long>("SELECT count(*) FROM calls"),
            await c.ExecuteScalarAsync<long>("SELECT count(*) FROM sequence_steps WHERE status = 'sending' AND call_id IS NOT NULL"),
            await c.ExecuteScalarAsync<long>("SELECT count(DISTINCT call_id) FROM sequence_steps")));
        Assert.Equal(steps, placedSteps);
        Assert.Equal(steps, distinctCalls);
        Assert.Equal(steps, calls);
    }
}
