using Cualify.Appliance.Core.Store;
using Npgsql;

namespace Cualify.Appliance.Bench.Dialer;

/// <summary>
/// The PostgreSQL reference: the claim + reserve transaction of <see cref="RawClaimAndReserve"/> (batches of due
/// calls claimed <c>FOR UPDATE SKIP LOCKED</c>, one reservation, one balance update and one ledger line each, the
/// call moved to dialing) on a plain Npgsql connection, one round trip per statement as the store makes them: no
/// store layer, no policy checks, no admission lock.
/// </summary>
internal static class RawNpgsqlClaimAndReserve
{
    public static async Task<int> RoundAsync(NpgsqlDataSource dataSource, int batch)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var now = UtcTimestamp.Format(DateTimeOffset.UtcNow);
        var due = new List<(string Id, string OrgId)>();
        await using (var claim = new NpgsqlCommand(
            "SELECT id, org_id FROM calls WHERE status = 'queued' AND scheduled_for <= $1 ORDER BY scheduled_for, id LIMIT $2 FOR UPDATE SKIP LOCKED", connection, transaction))
        {
            claim.Parameters.AddWithValue(now);
            claim.Parameters.AddWithValue(batch);
            await using var reader = await claim.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                due.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        foreach (var (id, orgId) in due)
        {
            var reservationId = Ids.New(DateTimeOffset.UtcNow);
            await ExecuteAsync(connection, transaction, "INSERT INTO credit_reservations (id, org_id, subject_id, amount_paise, created_at) VALUES ($1, $2, $3, 1200, $4)",
                reservationId, orgId, id, now);
            await ExecuteAsync(connection, transaction, "UPDATE orgs SET reserved_paise = reserved_paise + 1200, updated_at = $1 WHERE id = $2", now, orgId);
            await ExecuteAsync(connection, transaction, """
                INSERT INTO credit_ledger (id, org_id, kind, amount_paise, reserved_delta_paise, balance_after_paise, reserved_after_paise, reservation_id, subject_id, created_at)
                SELECT $1, id, 'reservation', 0, 1200, balance_paise, reserved_paise, $2, $3, $4 FROM orgs WHERE id = $5
                """, Ids.New(DateTimeOffset.UtcNow), reservationId, id, now, orgId);
            await ExecuteAsync(connection, transaction, """
                UPDATE calls SET status = 'dialing', started_at = $1, max_duration_sec = 120, reservation_id = $2, updated_at = $1
                WHERE id = $3 AND status = 'queued'
                """, now, reservationId, id);
        }

        await transaction.CommitAsync();
        return due.Count;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, params object[] values)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await command.ExecuteNonQueryAsync();
    }
}
