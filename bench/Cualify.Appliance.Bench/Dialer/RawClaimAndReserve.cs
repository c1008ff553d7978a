using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Bench.Dialer;

/// <summary>
/// The reference: the same claim + reserve transaction as the admission (batches of due calls, one reservation,
/// one balance update and one ledger line each, the call moved to dialing), in raw SQL with no policy checks.
/// </summary>
internal static class RawClaimAndReserve
{
    public static async Task<int> RoundAsync(ApplianceStore store, int batch) =>
        await store.WriteAsync(async tx =>
        {
            var due = (await tx.QueryAsync<(string Id, string OrgId)>(
                "SELECT id, org_id FROM calls WHERE status = 'queued' AND scheduled_for <= @Now ORDER BY scheduled_for, id LIMIT @batch",
                new { tx.Now, batch })).ToList();
            foreach (var (id, orgId) in due)
            {
                var reservationId = Ids.New(tx.Now);
                await tx.ExecuteAsync("INSERT INTO credit_reservations (id, org_id, subject_id, amount_paise, created_at) VALUES (@reservationId, @orgId, @id, 1200, @Now)",
                    new { reservationId, orgId, id, tx.Now });
                var totals = await tx.QuerySingleAsync<(long Balance, long Reserved)>(
                    "UPDATE orgs SET reserved_paise = reserved_paise + 1200, updated_at = @Now WHERE id = @orgId RETURNING balance_paise, reserved_paise",
                    new { orgId, tx.Now });
                await tx.ExecuteAsync("""
                    INSERT INTO credit_ledger (id, org_id, kind, amount_paise, reserved_delta_paise, balance_after_paise, reserved_after_paise, reservation_id, subject_id, created_at)
                    VALUES (@ledgerId, @orgId, 'reservation', 0, 1200, @Balance, @Reserved, @reservationId, @id, @Now)
                    """, new { ledgerId = Ids.New(tx.Now), orgId, totals.Balance, totals.Reserved, reservationId, id, tx.Now });
                await tx.ExecuteAsync("""
                    UPDATE calls SET status = 'dialing', started_at = @Now, max_duration_sec = 120, reservation_id = @reservationId, updated_at = @Now
                    WHERE id = @id AND status = 'queued'
                    """, new { reservationId, id, tx.Now });
            }

            return due.Count;
        });
}
