using Cualify.Appliance.Core.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Core.Recordings;

/// <summary>Another node queued recording files in this node's data folder for deletion.</summary>
public sealed class RecordingRemovalSignal : WorkSignal;

/// <summary>
/// Deletes the recording files other nodes queued for this node's data folder (a contact's erasure or retention
/// that ran there): at start, at once when told through the store's wake-ups, and every minute in any case.
/// </summary>
public sealed class RecordingFileRemovals(CallRecordings recordings, RecordingRemovalSignal signal, TimeProvider time, ILogger<RecordingFileRemovals> logger)
    : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = signal.Next;
            try
            {
                var removed = await recordings.RemoveQueuedFilesAsync(stoppingToken);
                if (removed > 0)
                {
                    logger.LogInformation("Deleted {Count} recording files other nodes removed", removed);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Deleting recording files queued by other nodes failed; it runs again within a minute");
            }

            await WorkSignal.WaitAsync(next, PollInterval, time, stoppingToken);
        }
    }
}
