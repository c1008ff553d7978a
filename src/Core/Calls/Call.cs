namespace Cualify.Appliance.Core.Calls;

/// <summary>A call row: what was asked, what the dialer decided, what happened and what it cost.</summary>
public sealed class Call
{
    public const string Columns = """
        id, org_id, agent_id, contact_id, direction, status, from_e164, to_e164, language, requested_max_duration_sec,
        max_duration_sec, max_duration_limited_by, rate_paise_per_sec, billing_increment_sec, reservation_id, duration_sec,
        billed_sec, credits_debited_paise, recording_url, transcript, llm_extracted_intent, llm_sentiment, llm_outcome, outcome,
        end_reason, end_detail, provider, provider_call_id, metadata, not_before, scheduled_for, cancel_requested_at,
        started_at, answered_at, last_seen_at, ended_at, created_at, updated_at, summary, analyzed_at, campaign_id, node_id
        """;

    public string Id { get; init; } = "";

    public string OrgId { get; init; } = "";

    public string AgentId { get; init; } = "";

    public string? ContactId { get; init; }

    /// <summary>The campaign that placed the call, if one did.</summary>
    public string? CampaignId { get; init; }

    /// <summary>The node that admitted and dials the call (SPEC §9); null before it was admitted.</summary>
    public string? NodeId { get; init; }

    public string Direction { get; init; } = "outbound";

    public string Status { get; init; } = CallStatus.Queued;

    public string? FromE164 { get; init; }

    public string? ToE164 { get; init; }

    public string Language { get; init; } = "";

    public int? RequestedMaxDurationSec { get; init; }

    /// <summary>The effective maximum, decided when the call was dialed.</summary>
    public int? MaxDurationSec { get; init; }

    /// <summary>Which term set the effective maximum: <c>request</c>, <c>playbook</c>, <c>global_cap</c> or <c>credits</c>.</summary>
    public string? MaxDurationLimitedBy { get; init; }

    public long? RatePaisePerSec { get; init; }

    public int? BillingIncrementSec { get; init; }

    public string? ReservationId { get; init; }

    public int? DurationSec { get; init; }

    public int? BilledSec { get; init; }

    public long CreditsDebitedPaise { get; init; }

    public string? RecordingUrl { get; init; }

    public string? Transcript { get; init; }

    public string? LlmExtractedIntent { get; init; }

    public string? LlmSentiment { get; init; }

    public string? LlmOutcome { get; init; }

    /// <summary>The analysis's summary, when one was posted.</summary>
    public string? Summary { get; init; }

    /// <summary>When the latest analysis was posted (null: none yet).</summary>
    public DateTimeOffset? AnalyzedAt { get; init; }

    public string? Outcome { get; init; }

    public string? EndReason { get; init; }

    public string? EndDetail { get; init; }

    public string Provider { get; init; } = "";

    public string? ProviderCallId { get; init; }

    public string Metadata { get; init; } = "{}";

    public DateTimeOffset? NotBefore { get; init; }

    public DateTimeOffset ScheduledFor { get; init; }

    public DateTimeOffset? CancelRequestedAt { get; init; }

    /// <summary>When dialing began.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? AnsweredAt { get; init; }

    /// <summary>The last moment the dialer knew the call was up; a crash bills an answered call up to here.</summary>
    public DateTimeOffset? LastSeenAt { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public bool IsFinal => CallStatus.IsFinal(Status);
}
