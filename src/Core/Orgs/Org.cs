namespace Cualify.Appliance.Core.Orgs;

/// <summary>A tenant of the appliance: its plan, pricing, limits, settings and credit balance.</summary>
public sealed class Org
{
    public string Id { get; init; } = "";

    public string Name { get; init; } = "";

    public string Plan { get; init; } = OrgPlan.Active;

    public long RatePaisePerSec { get; init; }

    public int BillingIncrementSec { get; init; }

    public int MaxConcurrentCalls { get; init; }

    public double CallsPerSecond { get; init; }

    public int RateLimitPerMinute { get; init; }

    public string? DefaultCallerId { get; init; }

    public string CallingHours { get; init; } = "";

    public int MaxAttemptsPerDay { get; init; }

    public string AdminEmails { get; init; } = "[]";

    public string Settings { get; init; } = "{}";

    /// <summary>What a recorded call says before the disclosure; null: <see cref="DefaultRecordingNotice"/>.</summary>
    public string? RecordingNotice { get; init; }

    public const string DefaultRecordingNotice = "This call is recorded.";

    public string EffectiveRecordingNotice => string.IsNullOrWhiteSpace(RecordingNotice) ? DefaultRecordingNotice : RecordingNotice;

    /// <summary>Whether steps with a <c>writer</c> are written for this org's contacts (when a writer is configured).</summary>
    public bool WriterEnabled { get; init; } = true;

    public long BalancePaise { get; init; }

    public long ReservedPaise { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public long AvailablePaise => BalancePaise - ReservedPaise;

    public bool IsActive => Plan == OrgPlan.Active;

    public IReadOnlyList<string> AdminEmailList =>
        System.Text.Json.JsonSerializer.Deserialize<string[]>(AdminEmails) ?? [];
}

public static class OrgPlan
{
    public const string Active = "active";
    public const string Inactive = "inactive";

    public static readonly IReadOnlyList<string> All = [Active, Inactive];
}
