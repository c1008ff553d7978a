namespace Cualify.Appliance.Core.Campaigns;

/// <summary>A campaign row: what it dials (a playbook) or enrolls into (a sequence template), whom, at what pace.</summary>
public sealed class Campaign
{
    public const string Columns = """
        id, org_id, name, agent_id, template_id, contacts, calls_per_minute, max_concurrent, retry_on, retry_after_minutes,
        max_attempts, dial_window, status, pause_reason, next_dial_at, created_at, updated_at, started_at, ended_at
        """;

    public string Id { get; init; } = "";

    public string OrgId { get; init; } = "";

    public string Name { get; init; } = "";

    public string? AgentId { get; init; }

    public string? TemplateId { get; init; }

    /// <summary>The contact selection as JSON: <c>{"filter":{…}}</c>, <c>{"import_id":…}</c> or <c>{"contact_ids":[…]}</c>.</summary>
    public string Contacts { get; init; } = "{}";

    public int CallsPerMinute { get; init; }

    public int? MaxConcurrent { get; init; }

    /// <summary>JSON array of the call statuses that are tried again (<c>busy</c>, <c>no_answer</c>).</summary>
    public string RetryOn { get; init; } = "[]";

    public int RetryAfterMinutes { get; init; }

    public int MaxAttempts { get; init; }

    public string? DialWindow { get; init; }

    public string Status { get; init; } = CampaignStatus.Draft;

    public string? PauseReason { get; init; }

    public DateTimeOffset? NextDialAt { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    public bool IsSequence => TemplateId is not null;

    /// <summary>Time between two placed calls (or enrollments) at the campaign's pace.</summary>
    public TimeSpan Interval => TimeSpan.FromMinutes(1) / CallsPerMinute;
}

public static class CampaignStatus
{
    public const string Draft = "draft";
    public const string Running = "running";
    public const string Paused = "paused";
    public const string Completed = "completed";
    public const string Stopped = "stopped";

    public static readonly IReadOnlyList<string> All = [Draft, Running, Paused, Completed, Stopped];
}

/// <summary>Why a campaign paused (<c>campaign.paused</c> <c>data.reason</c>, <c>pause_reason</c>).</summary>
public static class CampaignPauseReasons
{
    public const string Requested = "requested";
    public const string InsufficientCredits = "insufficient_credits";
    public const string NoActivePlan = "no_active_plan";
    public const string AgentDeleted = "agent_deleted";
    public const string TemplateUnusable = "template_unusable";
}

/// <summary>How a member of a campaign ended (the keys of <c>progress.done</c>).</summary>
public static class MemberResults
{
    public const string Completed = "completed";
    public const string Busy = "busy";
    public const string NoAnswer = "no_answer";
    public const string Failed = "failed";
    public const string Canceled = "canceled";
    public const string OptedOut = "opted_out";
    public const string SkippedNoConsent = "skipped_no_consent";
    public const string SkippedNoPhone = "skipped_no_phone";
    public const string ContactErased = "contact_erased";
    public const string NotCalled = "not_called";
    public const string Enrolled = "enrolled";
    public const string EnrollmentFailed = "enrollment_failed";

    public static readonly IReadOnlyList<string> All =
        [Completed, Busy, NoAnswer, Failed, Canceled, OptedOut, SkippedNoConsent, SkippedNoPhone, ContactErased, NotCalled, Enrolled, EnrollmentFailed];
}

public static class CampaignEvents
{
    public const string Started = "campaign.started";
    public const string Paused = "campaign.paused";
    public const string Resumed = "campaign.resumed";
    public const string Completed = "campaign.completed";
    public const string Stopped = "campaign.stopped";
}
