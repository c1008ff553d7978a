namespace Cualify.Appliance.Core.Credits;

/// <summary>
/// One line of an org's credit ledger. <see cref="AmountPaise"/> moves the balance (top-ups add, settlements
/// charge); <see cref="ReservedDeltaPaise"/> moves the part of the balance held for live calls (reservations
/// hold, settlements and releases let go). Balance = Σ amount, reserved = Σ reserved delta.
/// </summary>
public sealed class LedgerEntry
{
    public long Seq { get; init; }

    public string Id { get; init; } = "";

    public string OrgId { get; init; } = "";

    public string Kind { get; init; } = "";

    public long AmountPaise { get; init; }

    public long ReservedDeltaPaise { get; init; }

    public long BalanceAfterPaise { get; init; }

    public long ReservedAfterPaise { get; init; }

    public string? ReservationId { get; init; }

    public string? SubjectId { get; init; }

    public string? Reference { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}

public static class LedgerKind
{
    public const string TopUp = "topup";
    public const string Reservation = "reservation";
    public const string Settlement = "settlement";
    public const string Release = "release";
}

/// <summary>An org's credits as the API reports them.</summary>
public sealed record CreditSummary(long BalancePaise, long ReservedPaise, long RatePaisePerSec, long BillingIncrementSec)
{
    public long AvailablePaise => BalancePaise - ReservedPaise;
}
