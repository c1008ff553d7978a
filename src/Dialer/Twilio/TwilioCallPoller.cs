using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>
/// Fetches the Call resource of live calls until each is final. Without callbacks each call is polled
/// from <c>PollInterval</c>, backing off ×1.5 up to <c>MaxPollInterval</c> while nothing changes; with callbacks a
/// slow safety poll (<c>CallbackSafetyPollInterval</c>) still ends a call whose callback was lost.
/// </summary>
public sealed class TwilioCallPoller(
    TwilioClient client,
    TwilioCallRegistry registry,
    IOptions<TwilioOptions> options,
    TimeProvider time,
    ILogger<TwilioCallPoller> logger) : BackgroundService
{
    private const int Parallelism = 8;

    /// <summary>How often the poller looks for calls that are due.</summary>
    public TimeSpan Tick => options.Value.PollInterval < TimeSpan.FromSeconds(1) ? options.Value.PollInterval : TimeSpan.FromSeconds(1);

    /// <summary>Schedules the first poll of a placed call; a call with callback links gets the slow safety poll.</summary>
    public void Track(TwilioCall call)
    {
        call.PollDelay = call.Links is not null ? options.Value.CallbackSafetyPollInterval : options.Value.PollInterval;
        call.NextPollAt = time.GetUtcNow() + call.PollDelay;
    }

    /// <summary>Polls every call that is due once; the loop calls it every <see cref="Tick"/>.</summary>
    public async Task PollDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var due = registry.Calls.Where(c => c.ProviderCallId.Length > 0 && c.State != TwilioProgress.Ended && c.PollDelay > TimeSpan.Zero && c.NextPollAt <= now).ToList();
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (call, token) => await PollAsync(call, token));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await PollDueAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError(ex, "Polling Twilio call statuses failed");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task PollAsync(TwilioCall call, CancellationToken cancellationToken)
    {
        var changed = false;
        try
        {
            var resource = await client.FetchCallAsync(call.ProviderCallId, cancellationToken);
            changed = await call.ApplyAsync(TwilioCallReport.Of(resource), cancellationToken);
        }
        catch (TwilioApiException ex) when (ex.HttpStatus == 404)
        {
            logger.LogWarning("Call {CallId}: Twilio no longer knows {CallSid}; the call is ended", call.CallId, call.ProviderCallId);
            await call.GiveUpAsync($"Twilio answered 404 for {call.ProviderCallId}", cancellationToken);
            return;
        }
        catch (Exception ex) when (ex is TwilioApiException or HttpRequestException or Polly.Timeout.TimeoutRejectedException)
        {
            logger.LogWarning("Call {CallId}: polling Twilio for {CallSid} failed: {Error}", call.CallId, call.ProviderCallId, ex.Message);
        }

        var settings = options.Value;
        call.PollDelay = call.Links is not null
            ? settings.CallbackSafetyPollInterval
            : changed ? settings.PollInterval : TimeSpan.FromTicks(Math.Min(settings.MaxPollInterval.Ticks, (long)(call.PollDelay.Ticks * 1.5)));
        call.NextPollAt = time.GetUtcNow() + call.PollDelay;
    }
}
