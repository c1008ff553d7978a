using Cualify.Appliance.Core.AdminNotices;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Relay.Delivery;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Relay.Connectors;

/// <summary>
/// Writes a batch's outcomes: the CRM id of each written record (in the same transaction that ends the attempt),
/// retries on the relay's schedule, failures with a <c>connector.sync_failed</c> event, and the connector's health.
/// Refused credentials turn the connector <c>auth_failed</c> with an event and an admin email; its syncs wait.
/// </summary>
internal sealed class SyncRecorder(EventOutbox outbox, AdminNoticeStore notices, ConnectorCounters counters, IOptions<ConnectorsOptions> options, ILogger<SyncRecorder> logger)
{
    private readonly TimeSpan _lookupSettle = options.Value.LookupSettle;

    public async Task RecordAsync(StoreTransaction tx, BatchResult result)
    {
        var connector = result.Batch.Connector;
        var failed = new List<(SyncJob Job, string Error)>();
        var synced = 0;
        foreach (var outcome in result.Outcomes)
        {
            var job = result.Batch.Jobs.First(j => j.SyncId == outcome.SyncId);
            switch (outcome.End)
            {
                case SyncEnd.Synced:
                    synced++;
                    await tx.ExecuteAsync("""
                        UPDATE connector_syncs SET status = 'synced', crm_object_id = @CrmObjectId, next_attempt_at = NULL, last_error = NULL, updated_at = @Now
                        WHERE id = @SyncId
                        """, new { outcome.CrmObjectId, outcome.SyncId, tx.Now });
                    break;
                case SyncEnd.Requeue:
                    await tx.ExecuteAsync("""
                        UPDATE connector_syncs SET status = 'pending', attempts = attempts - 1, next_attempt_at = @Next, last_error = coalesce(@Error, last_error), updated_at = @Now
                        WHERE id = @SyncId
                        """, new { Next = tx.Now + (outcome.Wait ?? TimeSpan.Zero), outcome.Error, outcome.SyncId, tx.Now });
                    break;
                case SyncEnd.Retry or SyncEnd.Unknown when DeliveryRetrySchedule.DelayAfter(job.PriorAttempts + 1, Random.Shared.NextDouble()) is { } delay:
                    var least = outcome.End == SyncEnd.Unknown ? Max(outcome.Wait, _lookupSettle) : outcome.Wait;
                    var wait = least is { } asked && asked > delay ? asked : delay;
                    await tx.ExecuteAsync("""
                        UPDATE connector_syncs SET status = 'pending', next_attempt_at = @Next, last_error = @Error, updated_at = @Now
                        WHERE id = @SyncId
                        """, new { Next = tx.Now + wait, outcome.Error, outcome.SyncId, tx.Now });
                    break;
                default:
                    failed.Add((job, outcome.Error ?? "failed"));
                    await tx.ExecuteAsync("""
                        UPDATE connector_syncs SET status = 'failed', next_attempt_at = NULL, last_error = @Error, updated_at = @Now
                        WHERE id = @SyncId
                        """, new { outcome.Error, outcome.SyncId, tx.Now });
                    break;
            }
        }

        foreach (var (job, error) in failed)
        {
            await outbox.AppendAsync(tx, connector.OrgId, ConnectorEvents.SyncFailed, new
            {
                connector_id = connector.Id,
                sync_id = job.SyncId,
                @object = job.Object,
                object_id = job.ObjectId,
                attempts = job.PriorAttempts + 1,
                error,
            });
        }

        var health = result.Health;
        var status = health.AuthFailed ? ConnectorStatus.AuthFailed
            : health.PausedUntil is not null ? ConnectorStatus.Degraded
            : synced > 0 ? ConnectorStatus.Healthy
            : (string?)null;
        var becameAuthFailed = health.AuthFailed && connector.Status != ConnectorStatus.AuthFailed;
        await tx.ExecuteAsync("""
            UPDATE connectors
            SET status = CASE WHEN status = 'disabled' OR deleted_at IS NOT NULL THEN status ELSE coalesce(@status, status) END,
                last_error = CASE WHEN @synced > 0 AND @LastError IS NULL THEN NULL ELSE coalesce(@LastError, last_error) END,
                rate_limit_remaining = coalesce(@RateLimitRemaining, rate_limit_remaining),
                token_expires_at = coalesce(@TokenExpiresAt, token_expires_at),
                paused_until = coalesce(@PausedUntil, CASE WHEN @synced > 0 THEN NULL ELSE paused_until END),
                last_synced_at = CASE WHEN @synced > 0 THEN @Now ELSE last_synced_at END,
                updated_at = @Now
            WHERE id = @Id
            """, new { status, synced, health.LastError, health.RateLimitRemaining, health.TokenExpiresAt, PausedUntil = health.PausedUntil ?? health.HoldUntil, connector.Id, tx.Now });
        if (becameAuthFailed)
        {
            await outbox.AppendAsync(tx, connector.OrgId, ConnectorEvents.AuthFailed, new
            {
                connector_id = connector.Id,
                kind = connector.Kind,
                name = connector.Name,
                error = health.LastError,
            });
            await notices.QueueAsync(tx, connector.OrgId, $"CRM connector needs new credentials: {connector.Name}", $"""
                The {connector.Kind} connector "{connector.Name}" ({connector.Id}) stopped writing to the CRM: {health.LastError}

                Nothing is lost: calls and emails wait as pending syncs and are written once the connector has working
                credentials. Set them with PATCH /api/v1/connectors/{connector.Id} with a "credentials" object.
                """);
        }

        var tally = (synced, failed: failed.Count, retried: result.Outcomes.Count(o => o.End is SyncEnd.Retry or SyncEnd.Unknown), health.RateLimitWaits, health.TokenRefreshes, becameAuthFailed);
        tx.AfterCommit(() =>
        {
            counters.Recorded(connector.Id, tally.synced, tally.failed + tally.retried, tally.RateLimitWaits, tally.TokenRefreshes);
            if (tally.becameAuthFailed)
            {
                logger.LogWarning("Connector {ConnectorId} of org {OrgId}: the CRM refused its credentials; syncs wait for new ones", connector.Id, connector.OrgId);
            }
        });
    }

    private static TimeSpan Max(TimeSpan? a, TimeSpan b) => a is { } value && value > b ? value : b;
}
