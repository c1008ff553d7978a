using Cualify.Appliance.Core.Metrics;
using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Relay.Connectors;

/// <summary>Counters per connector, bumped as batches are recorded.</summary>
public sealed class ConnectorCounters(ApplianceMetrics metrics)
{
    private readonly Counter _syncs = metrics.Counter("cualify_connector_syncs_total", "CRM writes per connector by result (ok, failed: a failed attempt, retried or final)", "connector", "result");

    private readonly Counter _waits = metrics.Counter("cualify_connector_rate_limit_waits_total", "Times a connector waited for the CRM's rate limit (its headers or a 429)", "connector");

    private readonly Counter _refreshes = metrics.Counter("cualify_connector_token_refreshes_total", "OAuth access tokens a connector fetched with its refresh token", "connector");

    private readonly Counter _inboundRejected = metrics.Counter("cualify_connector_inbound_rejected_total", "Inbound CRM requests refused (bad or missing signature or secret)", "connector");

    internal void Recorded(string connectorId, int ok, int failed, int waits, int refreshes)
    {
        _syncs.Add(ok, connectorId, "ok");
        _syncs.Add(failed, connectorId, "failed");
        _waits.Add(waits, connectorId);
        _refreshes.Add(refreshes, connectorId);
    }

    internal void InboundRejected(string connectorId) => _inboundRejected.Inc(connectorId);
}

/// <summary>The backlog of each connector (syncs not yet written), read from the store at scrape time.</summary>
public sealed class ConnectorMetrics(ApplianceStore store) : IMetricsSource
{
    public async Task CollectAsync(ApplianceMetrics metrics, CancellationToken cancellationToken)
    {
        var backlog = await store.ReadAsync(async connection => (await connection.QueryAsync<(string ConnectorId, long Count)>(new CommandDefinition(
            "SELECT connector_id, count(*) FROM connector_syncs WHERE status IN ('pending', 'sending') GROUP BY connector_id", cancellationToken: cancellationToken))).ToList(), cancellationToken);
        var gauge = metrics.ScrapeGauge("cualify_connector_backlog", "CRM writes waiting (pending or in flight) per connector", "connector");
        foreach (var (connectorId, count) in backlog)
        {
            gauge.Set(count, connectorId);
        }
    }
}
