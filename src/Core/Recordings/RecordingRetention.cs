using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Core.Recordings;

/// <summary>Hourly: deletes the recordings older than <c>Recordings:RetentionDays</c>.</summary>
public sealed class RecordingRetention(CallRecordings recordings, TimeProvider time, ILogger<RecordingRetention> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                var deleted = await recordings.PurgeExpiredAsync(stoppingToken);
                if (deleted > 0)
                {
                    logger.LogInformation("Deleted {Count} recordings past their retention", deleted);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Deleting old recordings failed; it runs again in an hour");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
