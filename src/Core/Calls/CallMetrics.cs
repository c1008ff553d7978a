using Cualify.Appliance.Core.Metrics;
using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Calls;

/// <summary>Live calls by status and queued calls, read from the store at scrape time.</summary>
public sealed class CallMetrics(ApplianceStore store) : IMetricsSource
{
    public async Task CollectAsync(ApplianceMetrics metrics, CancellationToken cancellationToken)
    {
        var rows = await store.ReadAsync(connection => connection.QueryAsync<(string Status, long Count)>(new CommandDefinition(
            "SELECT status, count(*) FROM calls WHERE status IN ('queued', 'dialing', 'ringing', 'in_progress') GROUP BY status",
            cancellationToken: cancellationToken)), cancellationToken);
        var counts = rows.ToDictionary(r => r.Status, r => r.Count);
        var live = metrics.ScrapeGauge("cualify_calls_live", "Calls dialing, ringing or in progress, by status", "status");
        foreach (var status in CallStatus.Live)
        {
            live.Set(counts.GetValueOrDefault(status), status);
        }

        metrics.ScrapeGauge("cualify_calls_queued", "Calls waiting to be dialed (due or scheduled)").Set(counts.GetValueOrDefault(CallStatus.Queued));
    }
}
