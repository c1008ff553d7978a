using Cualify.Appliance.Core.Metrics;
using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Recordings;

/// <summary>The recordings kept and their bytes on disk, read from the store at scrape time.</summary>
public sealed class RecordingMetrics(ApplianceStore store) : IMetricsSource
{
    public async Task CollectAsync(ApplianceMetrics metrics, CancellationToken cancellationToken)
    {
        var (count, bytes) = await store.ReadAsync(connection => connection.QuerySingleAsync<(long Count, long Bytes)>(new CommandDefinition(
            "SELECT count(*), coalesce(sum(bytes), 0) FROM recordings", cancellationToken: cancellationToken)), cancellationToken);
        metrics.ScrapeGauge("cualify_recordings_kept", "Call recordings on disk (within retention, not erased)").Set(count);
        metrics.ScrapeGauge("cualify_recordings_bytes", "Bytes of the call recordings on disk").Set(bytes);
    }
}
