using System.Text.Json;
using Cualify.Appliance.Core.Json;

namespace Cualify.Appliance.Core.Campaigns;

/// <summary>The contract's campaign representation, for API responses and <c>campaign.*</c> event data alike.</summary>
public sealed record CampaignView(
    string Id,
    string Name,
    string Status,
    string? PauseReason,
    string? AgentId,
    string? TemplateId,
    JsonElement Contacts,
    CampaignPacingView Pacing,
    CampaignRetryView Retry,
    string? Window,
    CampaignProgress Progress,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt)
{
    public static CampaignView From(Campaign c, CampaignProgress progress) => new(
        c.Id, c.Name, c.Status, c.PauseReason, c.AgentId, c.TemplateId, ApplianceJson.Element(c.Contacts),
        new CampaignPacingView(c.CallsPerMinute, c.MaxConcurrent),
        new CampaignRetryView(JsonSerializer.Deserialize<string[]>(c.RetryOn) ?? [], c.RetryAfterMinutes, c.MaxAttempts),
        c.DialWindow, progress, c.CreatedAt, c.UpdatedAt, c.StartedAt, c.EndedAt);
}

public sealed record CampaignPacingView(int CallsPerMinute, int? MaxConcurrent);

public sealed record CampaignRetryView(IReadOnlyList<string> On, int AfterMinutes, int MaxAttempts);
