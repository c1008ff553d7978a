using Cualify.Appliance.Core.Credits;

namespace Cualify.Appliance.LocalApi.Credits;

public sealed record CreditsView(long BalancePaise, long ReservedPaise, long AvailablePaise, long RatePaisePerSec, long BillingIncrementSec)
{
    public static CreditsView From(CreditSummary s) => new(s.BalancePaise, s.ReservedPaise, s.AvailablePaise, s.RatePaisePerSec, s.BillingIncrementSec);
}

public sealed record LedgerEntryView(
    string Id,
    string Kind,
    long AmountPaise,
    long ReservedDeltaPaise,
    long BalanceAfterPaise,
    long ReservedAfterPaise,
    string? ReservationId,
    string? SubjectId,
    string? Reference,
    DateTimeOffset CreatedAt)
{
    public static LedgerEntryView From(LedgerEntry e) => new(
        e.Id, e.Kind, e.AmountPaise, e.ReservedDeltaPaise, e.BalanceAfterPaise, e.ReservedAfterPaise, e.ReservationId, e.SubjectId, e.Reference, e.CreatedAt);
}

/// <summary>A top-up's response: the ledger line and the org's credits after it.</summary>
public sealed record TopUpView(LedgerEntryView Data, CreditsView Credits);
