using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Credits;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Dapper;

namespace Cualify.Appliance.Core.Tests.Cluster;

/// <summary>Nodes sharing one PostgreSQL database keep the dialer's caps as one appliance would.</summary>
public sealed class ClusterAdmissionTests
{
    private static readonly string[] Live = [.. CallStatus.Live];

    private static readonly Dictionary<string, string?> Caps = new()
    {
        ["Dialer:MaxConcurrentCalls"] = "4",
        ["Dialer:CallsPerSecond"] = "1000",
    };

    [Fact]
    public async Task Admission_rounds_on_three_nodes_at_once_never_exceed_the_global_concurrency_cap()
    {
        await using var cluster = await ClusterNodes.CreateAsync(3, Caps);
        var first = cluster.First;
        await QueueCallsAsync(first, 60);

        var admittedTotal = 0;
        for (var round = 0; round < 12; round++)
        {
            var rounds = await Task.WhenAll(cluster.All.Select(node => Task.Run(() => node.Get<CallAdmission>().AdmitAsync())));
            admittedTotal += rounds.Sum(r => r.Admitted.Count);
            var live = await first.Store.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT count(*) FROM calls WHERE status IN @Live", new { Live }));
            Assert.True(live <= 4, $"round {round}: {live} calls live across the nodes, cap 4");

            // The admitted calls end, freeing the slots for the next round.
            await first.Store.WriteAsync(tx => tx.ExecuteAsync("UPDATE calls SET status = 'failed', ended_at = @Now WHERE status IN @Live", new { Live, tx.Now }));
        }

        Assert.True(admittedTotal >= 12, $"only {admittedTotal} calls admitted in 12 rounds");
    }

    internal static async Task QueueCallsAsync(CoreHarness node, int count)
    {
        await node.Get<ApplianceInitializer>().InitializeAsync();
        var orgs = node.Get<OrgStore>();
        var org = (await orgs.FindAsync("default"))!;
        await orgs.UpdateSettingsAsync(org.Id, new OrgSettingsChange(CallingHours: "* * * * *", MaxAttemptsPerDay: 10));
        await orgs.UpdateTermsAsync(org.Id, new OrgTermsChange(MaxConcurrentCalls: 1000, CallsPerSecond: 1000));
        await node.Get<CreditLedger>().TopUpAsync(org.Id, 100_000_000, null);
        var playbook = await node.Get<PlaybookStore>().CreateAsync(org.Id, new PlaybookInput("p"));
        for (var i = 0; i < count; i++)
        {
            var phone = $"+9198123{i:D5}";
            await node.Get<ContactStore>().UpsertAsync(org.Id, new ContactInput(phone, ConsentCapture: "manual"));
            await node.Get<CallPlacement>().QueueAsync(org.Id, new CallRequest(playbook.Id, phone));
        }
    }
}
