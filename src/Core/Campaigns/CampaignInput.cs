using System.Text.Json.Nodes;

namespace Cualify.Appliance.Core.Campaigns;

/// <summary>The body of <c>POST /campaigns</c>.</summary>
public sealed record CampaignInput(
    string? Name,
    string? AgentId,
    string? TemplateId,
    CampaignContactsInput? Contacts,
    CampaignPacingInput? Pacing,
    CampaignRetryInput? Retry,
    string? Window);

/// <summary>Whom a campaign reaches: exactly one of a filter over the org's contacts, an import, or a list of ids.</summary>
public sealed record CampaignContactsInput(CampaignFilterInput? Filter, string? ImportId, IReadOnlyList<string>? ContactIds);

public sealed record CampaignFilterInput(
    string? ConsentCapture,
    string? Search,
    DateTimeOffset? CreatedAfter,
    DateTimeOffset? CreatedBefore,
    JsonObject? Metadata);

public sealed record CampaignPacingInput(int? CallsPerMinute, int? MaxConcurrent);

/// <summary>Which outcomes are tried again, how long after, and how many attempts a contact gets in all (the first included).</summary>
public sealed record CampaignRetryInput(IReadOnlyList<string>? On, int? AfterMinutes, int? MaxAttempts);
