using System.Text.Json;
using Cualify.Appliance.Core.Orgs;

namespace Cualify.Appliance.LocalApi.Orgs;

/// <summary>An org as its own keys see it: settings they may change, terms they may only read.</summary>
public sealed record OrgView(
    string Id,
    string Name,
    string Plan,
    long RatePaisePerSec,
    int BillingIncrementSec,
    int MaxConcurrentCalls,
    double CallsPerSecond,
    int RateLimitPerMinute,
    string? DefaultCallerId,
    string CallingHours,
    int MaxAttemptsPerDay,
    IReadOnlyList<string> AdminEmails,
    string RecordingNotice,
    bool WriterEnabled,
    long BalancePaise,
    long ReservedPaise,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static OrgView From(Org org) => new(
        org.Id, org.Name, org.Plan, org.RatePaisePerSec, org.BillingIncrementSec, org.MaxConcurrentCalls, org.CallsPerSecond,
        org.RateLimitPerMinute, org.DefaultCallerId, org.CallingHours, org.MaxAttemptsPerDay, org.AdminEmailList, org.EffectiveRecordingNotice,
        org.WriterEnabled, org.BalancePaise, org.ReservedPaise, org.CreatedAt, org.UpdatedAt);
}

/// <summary>
/// <c>PATCH /org</c>. The operator-only fields are accepted in the body only so that sending one is refused
/// with a clear 403 rather than silently ignored.
/// </summary>
public sealed record UpdateOrgRequest(
    string? Name,
    JsonElement? DefaultCallerId,
    string? CallingHours,
    int? MaxAttemptsPerDay,
    IReadOnlyList<string>? AdminEmails,
    JsonElement? Plan,
    JsonElement? RatePaisePerSec,
    JsonElement? BillingIncrementSec,
    JsonElement? MaxConcurrentCalls,
    JsonElement? CallsPerSecond,
    JsonElement? RateLimitPerMinute,
    JsonElement? BalancePaise,
    string? RecordingNotice = null,
    bool? WriterEnabled = null)
{
    public string? FirstOperatorField() =>
        Plan is not null ? "plan"
        : RatePaisePerSec is not null ? "rate_paise_per_sec"
        : BillingIncrementSec is not null ? "billing_increment_sec"
        : MaxConcurrentCalls is not null ? "max_concurrent_calls"
        : CallsPerSecond is not null ? "calls_per_second"
        : RateLimitPerMinute is not null ? "rate_limit_per_minute"
        : BalancePaise is not null ? "balance_paise"
        : null;

    public OrgSettingsChange ToSettingsChange() => new(
        Name,
        DefaultCallerId is { ValueKind: JsonValueKind.String } caller ? caller.GetString() : null,
        DefaultCallerId is { ValueKind: JsonValueKind.Null },
        CallingHours,
        MaxAttemptsPerDay,
        AdminEmails,
        RecordingNotice,
        WriterEnabled);
}

public sealed record CreateOrgRequest(string? Name);

/// <summary><c>PATCH /orgs/{id}</c> (operator): terms and settings together.</summary>
public sealed record UpdateOrgTermsRequest(
    string? Plan,
    long? RatePaisePerSec,
    int? BillingIncrementSec,
    int? MaxConcurrentCalls,
    double? CallsPerSecond,
    int? RateLimitPerMinute,
    string? Name,
    string? CallingHours,
    int? MaxAttemptsPerDay,
    IReadOnlyList<string>? AdminEmails);

public sealed record CreatedOrgView(OrgView Data, string AdminKey);

public sealed record TopUpRequest(long? AmountPaise, string? Reference);
