using Cualify.Appliance.Relay.Signing;

namespace Cualify.Appliance.Relay.Delivery;

/// <summary>A delivery row claimed for one attempt.</summary>
internal sealed class ClaimedDelivery
{
    public string Id { get; init; } = "";

    public string WebhookId { get; init; } = "";

    public string OrgId { get; init; } = "";

    public long EventSeq { get; init; }

    public string EventId { get; init; } = "";

    /// <summary>Attempts made before this one.</summary>
    public int Attempts { get; init; }

    public string Kind { get; init; } = "";
}

/// <summary>Everything one attempt needs, prepared inside the claiming transaction.</summary>
internal sealed record DeliveryJob(ClaimedDelivery Delivery, Uri Url, WebhookSecret Secret, WebhookSecret? PreviousSecret, byte[] Body, CancellationToken Cancel);

internal enum AttemptEnd
{
    /// <summary>The receiver answered (any status) or the request failed on the network or timed out.</summary>
    Answered,

    /// <summary>The webhook was deleted while the request was in flight: no retry.</summary>
    Canceled,

    /// <summary>The appliance is stopping: the claim is released without counting an attempt.</summary>
    Interrupted,

    /// <summary>The webhook was deleted before the request started: nothing was sent, nothing to record.</summary>
    NotSent,
}

/// <summary>How one attempt ended, waiting to be recorded.</summary>
internal sealed record AttemptOutcome(
    ClaimedDelivery Delivery,
    AttemptEnd End,
    DateTimeOffset AttemptedAt,
    TimeSpan Latency,
    int? StatusCode,
    string? Error,
    string FailureKind,
    TimeSpan? RetryAfter)
{
    public int Attempt => Delivery.Attempts + 1;

    public bool Delivered => End == AttemptEnd.Answered && StatusCode is >= 200 and < 300;

    public DateTimeOffset FinishedAt => AttemptedAt + Latency;

    public long LatencyMs => (long)Math.Round(Latency.TotalMilliseconds);
}
