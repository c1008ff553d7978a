using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Core.Idempotency;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Core.Store;

/// <summary>Hourly housekeeping of the store: expired idempotency records; on the leader only, with several nodes.</summary>
public sealed class StoreMaintenance(IdempotencyRecords idempotency, LeaderLease leader, TimeProvider time, ILogger<StoreMaintenance> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => leader.RunWhileLeaderAsync(HourlyAsync, stoppingToken);

    private async Task HourlyAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        do
        {
            try
            {
                var purged = await idempotency.PurgeAsync(stoppingToken);
                if (purged > 0)
                {
                    logger.LogInformation("Purged {Count} expired idempotency records", purged);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Store housekeeping failed; it runs again in an hour");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
