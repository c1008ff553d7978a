namespace Cualify.Appliance.Dialer.Telephony;

/// <summary>The final statuses a provider can report; <c>queued/dialing/ringing/in_progress</c> are the dialer's.</summary>
public enum CallOutcome
{
    Completed,
    Failed,
    NoAnswer,
    Busy,
    Canceled,
}

/// <summary>Why the dialer asked for a hang-up; echoed back as the end reason.</summary>
public enum HangupReason
{
    MaxDurationReached,
    CreditsExhausted,
    PlaybookFinished,
    OptedOut,
    Canceled,
    Shutdown,
}

/// <summary>How a call ended, as the provider saw it.</summary>
/// <param name="EndReason">A stable snake_case reason: <c>remote_hangup</c>, <c>max_duration_reached</c>,
/// <c>credits_exhausted</c>, <c>playbook_finished</c>, <c>busy</c>, <c>no_answer</c>, <c>invalid_number</c>,
/// <c>rejected</c>, <c>no_common_codec</c>, <c>trunk_error</c>, <c>canceled</c>, <c>opted_out</c>, <c>handoff</c>…</param>
/// <param name="Retryable">True for failures worth another attempt later (trunk 5xx, rate limited).</param>
/// <param name="Detail">Provider detail for the timeline (SIP status line, Twilio error code); no secrets.</param>
/// <param name="TalkSeconds">The talk time the carrier bills (Twilio's <c>duration</c>), when it reports one; the dialer's
/// own clock otherwise.</param>
/// <param name="AnsweredAt">When the carrier says the callee answered, when it reports it.</param>
/// <param name="Media">What the media did (packets, the peer's loss and jitter reports), for the hang-up's timeline entry.</param>
public sealed record CallEnd(
    CallOutcome Outcome,
    string EndReason,
    bool Retryable = false,
    string? Detail = null,
    double? TalkSeconds = null,
    DateTimeOffset? AnsweredAt = null,
    IReadOnlyDictionary<string, object?>? Media = null);
