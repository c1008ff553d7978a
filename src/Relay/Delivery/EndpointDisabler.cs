using Cualify.Appliance.Core.AdminNotices;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Relay.Metrics;
using Cualify.Appliance.Relay.Webhooks;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Relay.Delivery;

/// <summary>
/// Turns an endpoint off in the caller's transaction: its pending deliveries become failed (and can be
/// replayed), a <c>webhook.disabled</c> event is written to the outbox and an email to the org's admins is
/// queued in the same transaction; once committed its claimed attempts are cancelled.
/// </summary>
internal sealed class EndpointDisabler(EventOutbox outbox, AdminNoticeStore notices, DeliveryCancellation cancellation, RelayCounters counters, ILogger<EndpointDisabler> logger)
{
    public async Task DisableAsync(StoreTransaction tx, string orgId, string webhookId, string url, string reason, string message, int consecutiveFailures, DateTimeOffset? failingSince)
    {
        await tx.ExecuteAsync("""
            UPDATE webhooks SET active = 0, disabled_reason = @reason, disabled_at = @Now, updated_at = @Now
            WHERE id = @webhookId
            """, new { webhookId, reason, tx.Now });
        await tx.ExecuteAsync("""
            UPDATE webhook_deliveries
            SET status = 'failed', next_attempt_at = NULL, last_error = @error, finished_at = @Now, updated_at = @Now
            WHERE webhook_id = @webhookId AND status = 'pending'
            """, new { webhookId, error = $"webhook disabled: {message}", tx.Now });
        var evt = await outbox.AppendAsync(tx, orgId, WebhookEvents.Disabled, new
        {
            WebhookId = webhookId,
            Url = url,
            Reason = reason,
            Message = message,
            DisabledAt = tx.Now,
            ConsecutiveFailures = consecutiveFailures,
            FailingSince = failingSince,
        });
        await notices.QueueAsync(tx, orgId,
            $"Webhook disabled: {url}",
            $"""
            The appliance stopped sending events to {url} (webhook {webhookId}).

            Reason: {reason}: {message}
            Consecutive failed attempts: {consecutiveFailures}
            Failing since: {failingSince?.ToString("u") ?? "-"}

            Pending deliveries were marked failed and can be replayed. When the receiver works again, re-enable it:
            POST /api/v1/webhooks/{webhookId}/enable
            """);
        tx.AfterCommit(() =>
        {
            // Attempts claimed ahead stop here: nothing more goes to a disabled endpoint.
            cancellation.CancelWebhook(webhookId);
            counters.Disabled(reason);
            logger.LogWarning("Webhook {WebhookId} of org {OrgId} was disabled ({Reason}): {Message}; event {EventId}, admin email queued",
                webhookId, orgId, reason, message, evt.Id);
        });
    }
}
