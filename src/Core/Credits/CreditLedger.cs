using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Paging;
using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Credits;

/// <summary>
/// Credits: top-ups, and the reserve → settle | release cycle of a call. Every change updates the org's
/// balance and reserved columns and appends its ledger line in the same transaction; the table's CHECKs
/// make an overdraft impossible even if a caller got the arithmetic wrong.
/// </summary>
public sealed class CreditLedger(ApplianceStore store)
{
    private const string EntryColumns = "seq, id, org_id, kind, amount_paise, reserved_delta_paise, balance_after_paise, reserved_after_paise, reservation_id, subject_id, reference, created_at";

    public Task<LedgerEntry> TopUpAsync(string orgId, long amountPaise, string? reference, CancellationToken cancellationToken = default)
    {
        if (amountPaise is <= 0 or > 100_000_000_000)
        {
            new FieldErrors().Add("amount_paise", "amount_paise must be a positive whole number of paise (at most 100000000000)").ThrowIfAny();
        }

        if (reference is { Length: > 200 })
        {
            new FieldErrors().Add("reference", "reference must be at most 200 characters").ThrowIfAny();
        }

        return store.WriteAsync(tx => AppendAsync(tx, orgId, LedgerKind.TopUp, amountPaise, 0, null, null, reference), cancellationToken);
    }

    /// <summary>Holds <paramref name="amountPaise"/> of the available balance; refuses with insufficient credits when it is not there.</summary>
    public async Task<string> ReserveAsync(StoreTransaction tx, string orgId, long amountPaise, string? subjectId)
    {
        if (amountPaise <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(amountPaise), "A reservation must hold a positive amount");
        }

        // Locked until commit on PostgreSQL, so concurrent reservations (on any node) see each other's holds.
        var summary = await tx.QuerySingleOrDefaultAsync<CreditSummary>(
            $"SELECT balance_paise, reserved_paise, rate_paise_per_sec, billing_increment_sec FROM orgs WHERE id = @orgId{tx.Dialect.ForUpdate}", new { orgId })
            ?? throw ApplianceException.NotFound("Org");
        if (summary.AvailablePaise < amountPaise)
        {
            throw ApplianceException.InsufficientCredits(summary.AvailablePaise, amountPaise);
        }

        var reservationId = Ids.New(tx.Now);
        await tx.ExecuteAsync("""
            INSERT INTO credit_reservations (id, org_id, subject_id, amount_paise, created_at)
            VALUES (@reservationId, @orgId, @subjectId, @amountPaise, @Now)
            """, new { reservationId, orgId, subjectId, amountPaise, tx.Now });
        await AppendAsync(tx, orgId, LedgerKind.Reservation, 0, amountPaise, reservationId, subjectId, null);
        return reservationId;
    }

    /// <summary>
    /// Charges <paramref name="chargePaise"/> (capped at what was held) and releases the rest of the hold.
    /// Returns what was charged. Settling a closed reservation changes nothing and returns its charge.
    /// </summary>
    public async Task<long> SettleAsync(StoreTransaction tx, string reservationId, long chargePaise)
    {
        var reservation = await OpenReservationAsync(tx, reservationId);
        if (reservation is null)
        {
            return await tx.ExecuteScalarAsync<long?>("SELECT charged_paise FROM credit_reservations WHERE id = @reservationId", new { reservationId }) ?? 0;
        }

        var charged = Math.Clamp(chargePaise, 0, reservation.AmountPaise);
        if (charged > 0)
        {
            await AppendAsync(tx, reservation.OrgId, LedgerKind.Settlement, -charged, -charged, reservationId, reservation.SubjectId, null);
        }

        var rest = reservation.AmountPaise - charged;
        if (rest > 0)
        {
            await AppendAsync(tx, reservation.OrgId, LedgerKind.Release, 0, -rest, reservationId, reservation.SubjectId, null);
        }

        await CloseAsync(tx, reservationId, "settled", charged);
        return charged;
    }

    /// <summary>Lets go of the whole hold, charging nothing (a call that never connected).</summary>
    public Task<long> ReleaseAsync(StoreTransaction tx, string reservationId) => SettleAsync(tx, reservationId, 0);

    public Task<CreditSummary> SummaryAsync(string orgId, CancellationToken cancellationToken = default) =>
        store.ReadAsync(async connection => await connection.QuerySingleOrDefaultAsync<CreditSummary>(new CommandDefinition(
            "SELECT balance_paise, reserved_paise, rate_paise_per_sec, billing_increment_sec FROM orgs WHERE id = @orgId",
            new { orgId }, cancellationToken: cancellationToken)) ?? throw ApplianceException.NotFound("Org"), cancellationToken);

    public async Task<CreditSummary> SummaryAsync(StoreTransaction tx, string orgId) =>
        await tx.QuerySingleOrDefaultAsync<CreditSummary>(
            "SELECT balance_paise, reserved_paise, rate_paise_per_sec, billing_increment_sec FROM orgs WHERE id = @orgId", new { orgId })
        ?? throw ApplianceException.NotFound("Org");

    public Task<Page<LedgerEntry>> LedgerAsync(string orgId, PageRequest page, CancellationToken cancellationToken = default) =>
        ListQuery.OfOrg("credit_ledger", EntryColumns, orderBy: "seq DESC").ReadAsync<LedgerEntry>(store, new { OrgId = orgId }, page, cancellationToken);

    private async Task<LedgerEntry> AppendAsync(StoreTransaction tx, string orgId, string kind, long amount, long reservedDelta, string? reservationId, string? subjectId, string? reference)
    {
        var totals = await tx.QuerySingleOrDefaultAsync<(long Balance, long Reserved)>("""
            UPDATE orgs SET balance_paise = balance_paise + @amount, reserved_paise = reserved_paise + @reservedDelta, updated_at = @Now
            WHERE id = @orgId
            RETURNING balance_paise, reserved_paise
            """, new { amount, reservedDelta, orgId, tx.Now });
        if (totals == default && await tx.ExecuteScalarAsync<long>("SELECT count(*) FROM orgs WHERE id = @orgId", new { orgId }) == 0)
        {
            throw ApplianceException.NotFound("Org", "id");
        }

        return await tx.QuerySingleAsync<LedgerEntry>($"""
            INSERT INTO credit_ledger (id, org_id, kind, amount_paise, reserved_delta_paise, balance_after_paise, reserved_after_paise, reservation_id, subject_id, reference, created_at)
            VALUES (@Id, @orgId, @kind, @amount, @reservedDelta, @Balance, @Reserved, @reservationId, @subjectId, @reference, @Now)
            RETURNING {EntryColumns}
            """, new { Id = Ids.New(tx.Now), orgId, kind, amount, reservedDelta, totals.Balance, totals.Reserved, reservationId, subjectId, reference, tx.Now });
    }

    private static Task<Reservation?> OpenReservationAsync(StoreTransaction tx, string reservationId) =>
        tx.QuerySingleOrDefaultAsync<Reservation>(
            "SELECT id, org_id, subject_id, amount_paise FROM credit_reservations WHERE id = @reservationId AND status = 'open'", new { reservationId });

    private static Task CloseAsync(StoreTransaction tx, string reservationId, string status, long charged) =>
        tx.ExecuteAsync(
            "UPDATE credit_reservations SET status = @status, charged_paise = @charged, closed_at = @Now WHERE id = @reservationId",
            new { reservationId, status = charged == 0 ? "released" : status, charged, tx.Now });

    private sealed class Reservation
    {
        public string Id { get; init; } = "";

        public string OrgId { get; init; } = "";

        public string? SubjectId { get; init; }

        public long AmountPaise { get; init; }
    }
}
