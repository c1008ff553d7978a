namespace Cualify.Appliance.Core.Orgs;

/// <summary>What an org's own admin may change.</summary>
public sealed record OrgSettingsChange(
    string? Name = null,
    string? DefaultCallerId = null,
    bool ClearDefaultCallerId = false,
    string? CallingHours = null,
    int? MaxAttemptsPerDay = null,
    IReadOnlyList<string>? AdminEmails = null,
    string? RecordingNotice = null,
    bool? WriterEnabled = null);

/// <summary>What only an operator may change: plan, pricing and limits.</summary>
public sealed record OrgTermsChange(
    string? Plan = null,
    long? RatePaisePerSec = null,
    int? BillingIncrementSec = null,
    int? MaxConcurrentCalls = null,
    double? CallsPerSecond = null,
    int? RateLimitPerMinute = null);
