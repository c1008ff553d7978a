using System.Globalization;
using Cualify.Appliance.Core.Api;
using Cualify.Appliance.Core.Store;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Hosting;

/// <summary>
/// Under systemd: puts the listen URLs in <c>systemctl status</c> once serving, and, when the unit sets
/// <c>WatchdogSec=</c>, pings the watchdog every half period while the store still answers, so a wedged
/// process is restarted by systemd instead of hanging. (<c>READY=1</c> and <c>STOPPING=1</c> come from
/// <c>UseSystemd()</c>'s lifetime.) Does nothing anywhere else.
/// </summary>
public sealed class SystemdWatchdog(
    IServiceProvider services,
    IHostApplicationLifetime lifetime,
    ApplianceStore store,
    IOptions<ApiOptions> api,
    TimeProvider time,
    ILogger<SystemdWatchdog> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var notifier = services.GetService<ISystemdNotifier>();
        if (notifier is not { IsEnabled: true })
        {
            return;
        }

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        notifier.Notify(new ServiceState($"STATUS=Serving {api.Value.Urls}"));
        var period = WatchdogPeriod();
        if (period is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(period.Value / 2, time);
        do
        {
            if (await StoreAnswersAsync(period.Value / 4, stoppingToken))
            {
                notifier.Notify(new ServiceState("WATCHDOG=1"));
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>The watchdog period systemd asks for, when it is meant for this process.</summary>
    public static TimeSpan? WatchdogPeriod()
    {
        var pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid) && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }

        return long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var usec) && usec > 0
            ? TimeSpan.FromMicroseconds(usec)
            : null;
    }

    private async Task<bool> StoreAnswersAsync(TimeSpan timeout, CancellationToken stoppingToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        cts.CancelAfter(timeout);
        try
        {
            await store.ReadAsync(c => c.ExecuteScalarAsync<long>(new CommandDefinition("SELECT 1", cancellationToken: cts.Token)), cts.Token);
            return true;
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "The store did not answer within {Timeout}; the systemd watchdog is not pinged", timeout);
            return false;
        }
    }
}
