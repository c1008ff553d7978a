using System.Text.Json;
using Cualify.Appliance.Core.Json;
using System.Text.Json.Serialization;

namespace Cualify.Appliance.Core.Calls;

/// <summary>The contract's call representation, used by API lists and by <c>call.*</c> event data alike.</summary>
public record CallView(
    string Id,
    string Status,
    string Direction,
    string? FromE164,
    string? ToE164,
    string Language,
    string AgentId,
    string? ContactId,
    int? DurationSec,
    long CreditsDebitedPaise,
    string? RecordingUrl,
    string? LlmExtractedIntent,
    string? LlmSentiment,
    string? LlmOutcome,
    string? Outcome,
    string? EndReason,
    string Provider,
    string? ProviderCallId,
    JsonElement Metadata,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset ScheduledFor,
    DateTimeOffset? AnsweredAt,
    int? MaxDurationSec,
    int? BilledSec,
    string? CampaignId)
{
    public static CallView From(Call c) => new(
        c.Id, c.Status, c.Direction, c.FromE164, c.ToE164, c.Language, c.AgentId, c.ContactId, c.DurationSec, c.CreditsDebitedPaise,
        c.RecordingUrl, c.LlmExtractedIntent, c.LlmSentiment, c.LlmOutcome, c.Outcome, c.EndReason, c.Provider, c.ProviderCallId,
        ApplianceJson.Element(c.Metadata), c.StartedAt, c.EndedAt, c.CreatedAt, c.ScheduledFor, c.AnsweredAt, c.MaxDurationSec, c.BilledSec, c.CampaignId);
}

/// <summary>
/// <c>GET /calls/{id}</c>: the call plus what only the single-call view carries, its transcript and timeline. The
/// serializer writes a derived type's own properties first; their order puts them after every list field, so the
/// body still starts with <c>id</c> and keeps the list's order.
/// </summary>
public sealed record CallDetailView : CallView
{
    private CallDetailView(CallView view)
        : base(view)
    {
    }

    [JsonPropertyOrder(1)]
    public string? MaxDurationLimitedBy { get; init; }

    [JsonPropertyOrder(2)]
    public string? EndDetail { get; init; }

    /// <summary>The posted transcript, <c>[{speaker, text, at?}]</c>, or null before any analysis.</summary>
    [JsonPropertyOrder(3)]
    public IReadOnlyList<TranscriptEntry>? Transcript { get; init; }

    [JsonPropertyOrder(4)]
    public string? Summary { get; init; }

    [JsonPropertyOrder(5)]
    public required IReadOnlyList<CallTimelineEntry> Timeline { get; init; }

    /// <summary>The appliance node that dials (or dialed) the call, when several share one store; null before it was admitted.</summary>
    [JsonPropertyOrder(6)]
    public string? NodeId { get; init; }

    public static CallDetailView From(Call c, IReadOnlyList<CallTimelineEntry> timeline) => new(CallView.From(c))
    {
        MaxDurationLimitedBy = c.MaxDurationLimitedBy,
        EndDetail = c.EndDetail,
        Transcript = TranscriptEntry.Read(c.Transcript),
        Summary = c.Summary,
        Timeline = timeline,
        NodeId = c.NodeId,
    };
}

/// <summary>
/// The data of <c>call.analyzed</c>, and of <c>call.completed</c> when an analysis was posted before the end: the call
/// with its transcript, summary and when it was analyzed.
/// </summary>
public sealed record AnalyzedCallView : CallView
{
    private AnalyzedCallView(CallView view)
        : base(view)
    {
    }

    [JsonPropertyOrder(1)]
    public IReadOnlyList<TranscriptEntry>? Transcript { get; init; }

    [JsonPropertyOrder(2)]
    public string? Summary { get; init; }

    [JsonPropertyOrder(3)]
    public DateTimeOffset? AnalyzedAt { get; init; }

    public static AnalyzedCallView Of(Call c) => new(CallView.From(c))
    {
        Transcript = TranscriptEntry.Read(c.Transcript),
        Summary = c.Summary,
        AnalyzedAt = c.AnalyzedAt,
    };

    /// <summary>What a <c>call.*</c> event carries: the analysis too once there is one.</summary>
    public static CallView EventData(Call c) => c.AnalyzedAt is null ? CallView.From(c) : Of(c);
}

/// <summary>The <c>201</c> answer of <c>POST /calls</c>.</summary>
public sealed record QueuedCallView(
    string Id,
    string Status,
    string AgentId,
    string? ContactId,
    string? ToE164,
    string Provider,
    string? ProviderCallId,
    DateTimeOffset CreatedAt,
    DateTimeOffset ScheduledFor)
{
    public static QueuedCallView From(Call c) => new(c.Id, c.Status, c.AgentId, c.ContactId, c.ToE164, c.Provider, c.ProviderCallId, c.CreatedAt, c.ScheduledFor);
}
