using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Relay.Webhooks;

/// <summary>What an admin is told when the relay turns an endpoint off.</summary>
public sealed record WebhookDisabledNotice(string OrgId, string WebhookId, string Url, string Reason, string Message, DateTimeOffset DisabledAt, string EventId);

/// <summary>
/// The hook for the admin email of SPEC §5 ("a webhook.disabled event and an admin email go out"). The relay
/// calls it after the transaction that disabled the endpoint and wrote the <c>webhook.disabled</c> event has
/// committed. It must not block: queue the email and return. The durable record is the outbox event
/// (<see cref="WebhookDisabledNotice.EventId"/>), so a mailer that must survive a crash between commit and
/// this call can instead read <c>webhook.disabled</c> events from the outbox.
/// </summary>
public interface IWebhookDisabledAlert
{
    void Disabled(WebhookDisabledNotice notice);
}

/// <summary>Until the mailer provides an email alert: a warning in the log.</summary>
public sealed class LoggedWebhookDisabledAlert(ILogger<LoggedWebhookDisabledAlert> logger) : IWebhookDisabledAlert
{
    public void Disabled(WebhookDisabledNotice notice) =>
        logger.LogWarning("Webhook {WebhookId} of org {OrgId} was disabled ({Reason}): {Message}. Re-enable it with POST /api/v1/webhooks/{WebhookId}/enable",
            notice.WebhookId, notice.OrgId, notice.Reason, notice.Message, notice.WebhookId);
}
