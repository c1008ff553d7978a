using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Paging;
using Microsoft.AspNetCore.Mvc;

namespace Cualify.Appliance.LocalApi.Calls;

/// <summary><c>POST /calls</c>.</summary>
public sealed record CreateCallRequest(
    string? AgentId,
    string? ToE164,
    string? FromE164,
    string? Language,
    int? MaxDurationSec,
    string? ContactId,
    JsonObject? Metadata,
    DateTimeOffset? NotBefore)
{
    public CallRequest ToRequest() => new(AgentId, ToE164, FromE164, Language, MaxDurationSec, ContactId, Metadata, NotBefore);
}

/// <summary><c>GET /calls</c> query, bound as text so that a bad value names its parameter in the 400.</summary>
public sealed record ListCallsQuery(
    [property: FromQuery(Name = "limit")] string? Limit,
    [property: FromQuery(Name = "offset")] string? Offset,
    [property: FromQuery(Name = "status")] string? Status,
    [property: FromQuery(Name = "agent_id")] string? AgentId,
    [property: FromQuery(Name = "contact_id")] string? ContactId,
    [property: FromQuery(Name = "created_after")] string? CreatedAfter,
    [property: FromQuery(Name = "created_before")] string? CreatedBefore)
{
    public PageRequest ToPage() => PageRequest.Parse(Limit, Offset);

    public CallFilter ToFilter() => new(
        QueryValues.OneOf(Status, "status", [.. CallStatus.All]),
        string.IsNullOrEmpty(AgentId) ? null : AgentId,
        string.IsNullOrEmpty(ContactId) ? null : ContactId,
        QueryValues.Timestamp(CreatedAfter, "created_after"),
        QueryValues.Timestamp(CreatedBefore, "created_before"));
}

/// <summary><c>POST /calls/{id}/analysis</c>: what an agent or classifier learned; a later post replaces an earlier one.</summary>
public sealed record PostCallAnalysisRequest(
    List<TranscriptEntry>? Transcript,
    string? LlmExtractedIntent = null,
    string? LlmSentiment = null,
    string? LlmOutcome = null,
    string? Summary = null)
{
    public CallAnalysis ToAnalysis() => new(Transcript, LlmExtractedIntent, LlmSentiment, LlmOutcome, Summary);
}

/// <summary><c>POST /calls/{id}/transfer</c>: where to transfer the live call (an E.164 number or a sip: URI).</summary>
public sealed record TransferCallRequest(string? Target);
