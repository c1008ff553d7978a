namespace Cualify.Appliance.Core.Campaigns;

/// <summary>One contact of a campaign's snapshot and where it stands.</summary>
public sealed class CampaignMember
{
    public const string Columns = "campaign_id, position, contact_id, state, attempts, next_attempt_at, call_id, enrollment_id, result, updated_at";

    public string CampaignId { get; init; } = "";

    public long Position { get; init; }

    public string? ContactId { get; init; }

    public string State { get; init; } = "pending";

    public int Attempts { get; init; }

    public DateTimeOffset? NextAttemptAt { get; init; }

    public string? CallId { get; init; }

    public string? EnrollmentId { get; init; }

    public string? Result { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }
}
