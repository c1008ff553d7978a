using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Dialer.Live;
using Cualify.Appliance.Dialer.Telephony;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Dialer.Scheduling;

/// <summary>
/// The dial scheduler. At start-up it settles calls a crash left live (<c>appliance_restart</c>) and resolves the
/// configured provider. Then it runs admission rounds (<see cref="CallAdmission"/>: one transaction each, all
/// checks and reservations included) and starts every admitted call. It wakes at once when a call is queued or
/// a live call ends, at the moment the next scheduled call falls due or a rate window moves, and at the latest
/// every <c>Dialer:PollInterval</c> for changes nobody signals (a top-up, new calling hours).
/// </summary>
public sealed class DialScheduler(
    CallAdmission admission,
    CallRecovery recovery,
    LiveCalls liveCalls,
    SelectedTelephonyProvider provider,
    DialSignal signal,
    IOptions<DialerOptions> options,
    TimeProvider time,
    ILogger<DialScheduler> logger) : BackgroundService
{
    private static readonly TimeSpan ShortestWait = TimeSpan.FromMilliseconds(50);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation("Dialing through the {Provider} provider", provider.Provider.Name);
        var recovered = await recovery.RecoverAsync(cancellationToken);
        if (recovered > 0)
        {
            logger.LogWarning("Settled {Count} calls left live by an earlier stop (end_reason appliance_restart)", recovered);
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = signal.Next;
            var wait = settings.PollInterval;
            try
            {
                var round = await admission.AdmitAsync(stoppingToken);
                foreach (var ticket in round.Admitted)
                {
                    liveCalls.Start(ticket);
                }

                if (round.Admitted.Count >= settings.AdmissionBatchSize)
                {
                    continue;
                }

                if (round.NextWake is { } wake)
                {
                    var untilWake = wake - time.GetUtcNow();
                    wait = untilWake < ShortestWait ? ShortestWait : untilWake < wait ? untilWake : wait;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "An admission round failed; retrying in {Wait}", wait);
            }

            await WorkSignal.WaitAsync(next, wait, time, stoppingToken);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await liveCalls.StopAllAsync(cancellationToken);
    }
}
