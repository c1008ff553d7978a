using Cualify.Appliance.Core.Calls;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Dialer.Live;

/// <summary>
/// Every <c>Dialer:HeartbeatInterval</c> (15 s by default), stamps the live calls as still up (<c>last_seen_at</c>), so that after a crash
/// an answered call is billed up to the last moment it was known to be up and no further.
/// </summary>
public sealed class LiveCallHeartbeat(LiveCalls liveCalls, CallLifecycle lifecycle, IOptions<DialerOptions> options, TimeProvider time, ILogger<LiveCallHeartbeat> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.HeartbeatInterval;
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await lifecycle.HeartbeatAsync(liveCalls.CallIds, time.GetUtcNow(), stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Could not stamp {Count} live calls as up; retrying in {Interval}", liveCalls.Count, interval);
            }
        }
    }
}
