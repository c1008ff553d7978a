using System.Collections.Concurrent;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Relay.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Relay.Delivery;

/// <summary>
/// The relay's loop. Each cycle is one transaction that records the attempts finished since the last cycle,
/// fans new outbox events out into deliveries and claims due ones; the claimed attempts then run outside the
/// transaction, each endpoint through its own gate of <see cref="RelayOptions.MaxConcurrencyPerEndpoint"/>
/// requests, so a slow receiver only ever waits on itself. An endpoint may have a few times its cap claimed
/// ahead, so that one commit serves many attempts. It wakes on new events, on a finished attempt, at the next
/// scheduled retry, and at least every poll interval. All it knows is in the store, so a restart resumes where
/// it stopped: claims left by a crash go back to pending at start.
/// </summary>
internal sealed class OutboxDispatcher(
    ApplianceStore store,
    OutboxSignal outboxSignal,
    DeliverySignal deliverySignal,
    DeliveryClaims claims,
    DeliveryCancellation cancellation,
    AttemptRecorder recorder,
    WebhookSender sender,
    RelayCounters counters,
    IOptions<RelayOptions> options,
    TimeProvider time,
    ILogger<OutboxDispatcher> logger) : BackgroundService
{
    /// <summary>How many times its concurrency an endpoint may have claimed (in flight or waiting for its gate).</summary>
    private const int ClaimAhead = 16;

    private readonly RelayOptions _options = options.Value;
    private readonly ConcurrentQueue<AttemptOutcome> _finished = new();
    private readonly List<AttemptOutcome> _unrecorded = [];
    private readonly Dictionary<string, int> _claimed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _endpointGates = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _globalGate = new(options.Value.MaxConcurrentDeliveries, options.Value.MaxConcurrentDeliveries);
    private readonly List<Task> _running = [];
    private int _claimedTotal;
    private int _rotation;
    private DateTimeOffset _passedIdleAt = DateTimeOffset.MinValue;
    private bool _heldBack;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var recovered = await store.WriteAsync(claims.RecoverAsync, stoppingToken);
            if (recovered > 0)
            {
                logger.LogInformation("Resumed {Count} webhook deliveries that were in flight when the appliance last stopped", recovered);
            }

            while (!stoppingToken.IsCancellationRequested)
            {
                var woken = Task.WhenAny(outboxSignal.Next, deliverySignal.Next);
                TimeSpan wait;
                try
                {
                    wait = await CycleAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    logger.LogError(ex, "A webhook relay cycle failed; retrying in {Wait}", _options.PollInterval);
                    wait = _options.PollInterval;
                    _heldBack = false;
                }

                if (wait > TimeSpan.Zero && _heldBack)
                {
                    await OutboxOrder.WaitWhileHeldBackAsync(woken, stoppingToken);
                }
                else if (wait > TimeSpan.Zero)
                {
                    await WorkSignal.WaitAsync(woken, wait, time, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await StopInFlightAsync();
        }
    }

    /// <summary>One transaction of work; returns how long to sleep unless woken.</summary>
    private async Task<TimeSpan> CycleAsync(CancellationToken stoppingToken)
    {
        TakeFinished();
        var outcomes = _unrecorded.ToList();
        var jobs = new List<DeliveryJob>();
        var globalFree = (_options.MaxConcurrentDeliveries * ClaimAhead) - _claimedTotal;
        var cycle = await store.WriteAsync(async tx =>
        {
            if (outcomes.Count > 0)
            {
                await recorder.RecordAsync(tx, outcomes);
            }

            var webhooks = await ActiveWebhook.LoadAsync(tx);
            var passIdle = webhooks.Count == 0 && tx.Now - _passedIdleAt >= _options.PollInterval;
            var fannedOut = await FanOut.RunAsync(tx, webhooks, _options.FanOutBatchSize, passIdle);
            if (passIdle)
            {
                _passedIdleAt = tx.Now;
            }

            await claims.ClaimAsync(tx, webhooks, FreeSlots, globalFree, _rotation++, jobs);
            return (FannedOut: fannedOut, NextDue: await DeliveryClaims.NextDueAsync(tx), tx.Now);
        }, stoppingToken);

        _unrecorded.Clear();
        _heldBack = cycle.FannedOut.HeldBack;
        if (cycle.FannedOut.Count > 0)
        {
            counters.FannedOut(cycle.FannedOut.Count);
        }

        foreach (var job in jobs)
        {
            _claimed[job.Delivery.WebhookId] = _claimed.GetValueOrDefault(job.Delivery.WebhookId) + 1;
            _claimedTotal++;
            var gate = _endpointGates.GetOrAdd(job.Delivery.WebhookId, _ => new SemaphoreSlim(_options.MaxConcurrencyPerEndpoint));
            _running.Add(Task.Run(() => AttemptAsync(job, gate, stoppingToken), CancellationToken.None));
        }

        if (cycle.FannedOut.Count >= _options.FanOutBatchSize)
        {
            return TimeSpan.Zero;
        }

        var poll = _options.PollInterval;
        var untilDue = cycle.NextDue is { } due ? due - cycle.Now : poll;
        return untilDue < poll ? untilDue : poll;
    }

    private int FreeSlots(string webhookId) => (_options.MaxConcurrencyPerEndpoint * ClaimAhead) - _claimed.GetValueOrDefault(webhookId);

    /// <summary>Moves finished attempts to the list to record and frees their claims.</summary>
    private void TakeFinished()
    {
        _running.RemoveAll(t => t.IsCompleted);
        while (_finished.TryDequeue(out var outcome))
        {
            _unrecorded.Add(outcome);
            var webhookId = outcome.Delivery.WebhookId;
            var left = _claimed.GetValueOrDefault(webhookId) - 1;
            if (left > 0)
            {
                _claimed[webhookId] = left;
            }
            else
            {
                // No attempt of this endpoint is running or waiting, so nobody holds its gate.
                _claimed.Remove(webhookId);
                _endpointGates.TryRemove(webhookId, out _);
            }

            _claimedTotal--;
        }
    }

    private async Task AttemptAsync(DeliveryJob job, SemaphoreSlim endpointGate, CancellationToken stoppingToken)
    {
        AttemptOutcome outcome;
        try
        {
            outcome = await SendThroughGatesAsync(job, endpointGate, stoppingToken);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Webhook delivery {DeliveryId} failed unexpectedly; it will be retried", job.Delivery.Id);
            outcome = new AttemptOutcome(job.Delivery, AttemptEnd.Answered, time.GetUtcNow(), TimeSpan.Zero, null, "internal error while sending", "internal", null);
        }

        _finished.Enqueue(outcome);
        deliverySignal.Notify();
    }

    private async Task<AttemptOutcome> SendThroughGatesAsync(DeliveryJob job, SemaphoreSlim endpointGate, CancellationToken stoppingToken)
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(job.Cancel, stoppingToken);
        var endpointHeld = false;
        var globalHeld = false;
        try
        {
            await endpointGate.WaitAsync(waiting.Token);
            endpointHeld = true;
            await _globalGate.WaitAsync(waiting.Token);
            globalHeld = true;
            var outcome = await sender.SendAsync(job, stoppingToken);
            if (outcome is { End: AttemptEnd.Answered, StatusCode: 410 })
            {
                // Gone means gone: the attempts waiting behind this one are dropped before the gate opens,
                // without waiting for the recorder to commit the disable.
                cancellation.CancelWebhook(job.Delivery.WebhookId);
            }

            return outcome;
        }
        catch (OperationCanceledException) when (waiting.IsCancellationRequested && !globalHeld)
        {
            var end = stoppingToken.IsCancellationRequested ? AttemptEnd.Interrupted : AttemptEnd.NotSent;
            return new AttemptOutcome(job.Delivery, end, time.GetUtcNow(), TimeSpan.Zero, null, null, "", null);
        }
        finally
        {
            if (globalHeld)
            {
                _globalGate.Release();
            }

            if (endpointHeld)
            {
                endpointGate.Release();
            }
        }
    }

    /// <summary>
    /// On stop: attempts in flight are cancelled by the stopping token; what finished is recorded and the
    /// interrupted claims go back to pending (a crash instead leaves them for <see cref="DeliveryClaims.RecoverAsync"/>).
    /// </summary>
    private async Task StopInFlightAsync()
    {
        try
        {
            await Task.WhenAll(_running);
            TakeFinished();
            if (_unrecorded.Count > 0)
            {
                await store.WriteAsync(tx => recorder.RecordAsync(tx, _unrecorded), CancellationToken.None);
                _unrecorded.Clear();
            }
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not record the webhook attempts in flight at stop; they are resumed at the next start");
        }
    }
}
