using System.Collections.Concurrent;
using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Relay.Connectors;

/// <summary>
/// The connectors' loop, on the relay's outbox: each cycle is one transaction that records the batches finished
/// since the last cycle, fans new events out into sync rows and claims a batch for every idle writable connector;
/// the batches then run outside the transaction, one at a time per connector. It wakes on new events, a finished
/// batch, a changed connector, the next due retry, and at least every poll interval. A restart resumes from the
/// store: claims left by a crash go back to pending with their attempt counted, so the next one looks up first.
/// </summary>
internal sealed class ConnectorDispatcher(
    ApplianceStore store,
    OutboxSignal outboxSignal,
    ConnectorSignal connectorSignal,
    SyncRecorder recorder,
    ClusterNode node,
    IEnumerable<ICrmWriter> writers,
    IOptions<ConnectorsOptions> options,
    TimeProvider time,
    ILogger<ConnectorDispatcher> logger) : BackgroundService
{
    private const int FanOutBatch = 500;
    private readonly ConnectorsOptions _options = options.Value;
    private readonly Dictionary<string, ICrmWriter> _writers = writers.ToDictionary(w => w.Kind, StringComparer.Ordinal);
    private readonly ConcurrentQueue<BatchResult> _finished = new();
    private readonly List<BatchResult> _unrecorded = [];
    private readonly HashSet<string> _busy = new(StringComparer.Ordinal);
    private DateTimeOffset _passedIdleAt = DateTimeOffset.MinValue;
    private bool _heldBack;
    private readonly List<Task> _running = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var recovered = await store.WriteAsync(tx => SyncClaims.RecoverAsync(tx, node.Id, _options.LookupSettle), stoppingToken);
            if (recovered > 0)
            {
                logger.LogInformation("Resumed {Count} CRM syncs that were in flight when the appliance last stopped; each is looked up before it is written", recovered);
            }

            while (!stoppingToken.IsCancellationRequested)
            {
                var woken = Task.WhenAny(outboxSignal.Next, connectorSignal.Next);
                DateTimeOffset? until;
                try
                {
                    until = await CycleAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    logger.LogError(ex, "A connector cycle failed; retrying in {Wait}", _options.PollInterval);
                    until = time.GetUtcNow() + _options.PollInterval;
                    _heldBack = false;
                }

                if (until is not null && _heldBack)
                {
                    await OutboxOrder.WaitWhileHeldBackAsync(woken, stoppingToken);
                }
                else if (until is { } due)
                {
                    await WorkSignal.WaitUntilAsync(woken, due, time, stoppingToken);
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

    /// <returns>When to look again unless woken, or null to go round at once.</returns>
    private async Task<DateTimeOffset?> CycleAsync(CancellationToken stoppingToken)
    {
        _running.RemoveAll(t => t.IsCompleted);
        while (_finished.TryDequeue(out var done))
        {
            _unrecorded.Add(done);
        }

        // Recorded before the claims in the same transaction, so a finished connector can take its next batch now.
        var finished = _unrecorded.ToList();
        foreach (var result in finished)
        {
            _busy.Remove(result.Batch.Connector.Id);
        }

        var batches = new List<ConnectorBatch>();
        var cycle = await store.WriteAsync(async tx =>
        {
            foreach (var result in finished)
            {
                await recorder.RecordAsync(tx, result);
            }

            var fannedOut = await SyncFanOut.RunAsync(tx, FanOutBatch, () =>
            {
                var due = tx.Now - _passedIdleAt >= _options.PollInterval;
                _passedIdleAt = due ? tx.Now : _passedIdleAt;
                return due;
            });
            foreach (var connector in await SyncClaims.WritableAsync(tx))
            {
                if (!_busy.Contains(connector.Id) && _writers.ContainsKey(connector.Kind) && await SyncClaims.ClaimAsync(tx, connector, node.Id, _options.BatchSize) is { } batch)
                {
                    batches.Add(batch);
                }
            }

            return (FannedOut: fannedOut, NextDue: await SyncClaims.NextDueAsync(tx), tx.Now);
        }, stoppingToken);

        _unrecorded.Clear();
        _heldBack = cycle.FannedOut.HeldBack;
        foreach (var batch in batches)
        {
            _busy.Add(batch.Connector.Id);
            _running.Add(Task.Run(() => WriteAsync(batch, stoppingToken), CancellationToken.None));
        }

        if (cycle.FannedOut.Count >= FanOutBatch)
        {
            return null;
        }

        var poll = cycle.Now + _options.PollInterval;
        return cycle.NextDue is { } due && due < poll ? due : poll;
    }

    private async Task WriteAsync(ConnectorBatch batch, CancellationToken stoppingToken)
    {
        BatchResult result;
        try
        {
            result = await _writers[batch.Connector.Kind].WriteAsync(batch, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the claims stay 'sending' and the next start looks each record up before writing it.
            return;
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Connector {ConnectorId}: a batch failed unexpectedly; its syncs will be retried", batch.Connector.Id);
            result = new BatchResult(batch, batch.Jobs.Select(j => new SyncOutcome(j.SyncId, SyncEnd.Unknown, null, "internal error while writing to the CRM")).ToList(),
                new ConnectorHealth("internal error while writing to the CRM", null, null));
        }

        _finished.Enqueue(result);
        connectorSignal.Notify();
    }

    private async Task StopInFlightAsync()
    {
        try
        {
            await Task.WhenAll(_running);
            var finished = _unrecorded.ToList();
            while (_finished.TryDequeue(out var result))
            {
                finished.Add(result);
            }

            if (finished.Count > 0)
            {
                await store.WriteAsync(async tx =>
                {
                    foreach (var result in finished)
                    {
                        await recorder.RecordAsync(tx, result);
                    }
                }, CancellationToken.None);
            }
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not record the CRM batches in flight at stop; they are looked up and resumed at the next start");
        }
    }
}
