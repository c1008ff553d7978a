using Cualify.Appliance.Core.Metrics;

namespace Cualify.Appliance.Relay.Metrics;

/// <summary>Counters the relay bumps as attempts are recorded.</summary>
public sealed class RelayCounters(ApplianceMetrics metrics)
{
    private readonly Counter _attempts = metrics.Counter(
        "cualify_relay_delivery_attempts_total", "Webhook delivery attempts by result (delivered, retrying, failed, canceled)", "result");

    private readonly Counter _failures = metrics.Counter(
        "cualify_relay_delivery_failures_total", "Failed webhook delivery attempts by cause (http_4xx, http_5xx, http_3xx, timeout, connection, refused)", "reason");

    private readonly Counter _disabled = metrics.Counter(
        "cualify_relay_webhooks_disabled_total", "Webhook endpoints the relay turned off, by reason", "reason");

    private readonly Counter _fannedOut = metrics.Counter(
        "cualify_relay_events_fanned_out_total", "Outbox events the relay has fanned out into deliveries");

    internal void Attempted(string result, string? failureKind)
    {
        _attempts.Inc(result);
        if (failureKind is not null)
        {
            _failures.Inc(failureKind);
        }
    }

    internal void Disabled(string reason) => _disabled.Inc(reason);

    internal void FannedOut(int events) => _fannedOut.Add(events);
}
