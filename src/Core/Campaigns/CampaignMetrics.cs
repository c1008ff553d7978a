using Cualify.Appliance.Core.Metrics;
using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Campaigns;

/// <summary>Members of running and paused campaigns by state (and result, once done), read at scrape time.</summary>
public sealed class CampaignMetrics(ApplianceStore store) : IMetricsSource
{
    public async Task CollectAsync(ApplianceMetrics metrics, CancellationToken cancellationToken)
    {
        var rows = await store.ReadAsync(connection => connection.QueryAsync<(string Campaign, string Status, string State, string? Result, long Count)>(new CommandDefinition("""
            SELECT c.id, c.status, m.state, m.result, count(*) FROM campaigns c JOIN campaign_members m ON m.campaign_id = c.id
            WHERE c.status IN ('running', 'paused')
            GROUP BY c.id, c.status, m.state, m.result
            """, cancellationToken: cancellationToken)), cancellationToken);
        var members = metrics.ScrapeGauge("cualify_campaign_members", "Contacts of running or paused campaigns: pending, in_flight, or done by result", "campaign", "state");
        var running = metrics.ScrapeGauge("cualify_campaigns", "Campaigns by status", "status");
        var statuses = await store.ReadAsync(connection => connection.QueryAsync<(string Status, long Count)>(new CommandDefinition(
            "SELECT status, count(*) FROM campaigns GROUP BY status", cancellationToken: cancellationToken)), cancellationToken);
        foreach (var status in CampaignStatus.All)
        {
            running.Set(statuses.Where(s => s.Status == status).Sum(s => s.Count), status);
        }

        foreach (var group in rows.GroupBy(r => (r.Campaign, Key: r.State == "done" ? r.Result ?? "failed" : r.State == "queued" ? "in_flight" : r.State)))
        {
            members.Set(group.Sum(r => r.Count), group.Key.Campaign, group.Key.Key);
        }
    }
}
