using Cualify.Appliance.Core.Secrets;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Idempotency;

public enum IdempotencyOutcome
{
    /// <summary>First use of the key: go ahead, then <see cref="IdempotencyRecords.CompleteAsync"/>.</summary>
    Proceed,

    /// <summary>Same key, same request, finished before: answer with the stored response.</summary>
    Replay,

    /// <summary>Same key with a different request.</summary>
    Mismatch,

    /// <summary>Same key while the first request is still running.</summary>
    InProgress,
}

public sealed record IdempotencyDecision(IdempotencyOutcome Outcome, int StatusCode = 0, string? ResponseBody = null);

/// <summary>
/// Remembered responses of creating requests, per org and key, for at least <see cref="Lifetime"/>: a repeat
/// with the same request gets the original response, the same key with another request a conflict.
/// </summary>
public sealed class IdempotencyRecords(ApplianceStore store, SecretProtector protector, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    private sealed class Row
    {
        public string RequestFingerprint { get; init; } = "";

        public int? StatusCode { get; init; }

        public string? ResponseBody { get; init; }

        public DateTimeOffset CreatedAt { get; init; }
    }

    /// <remarks>
    /// Insert first, read after: of requests racing with one key (on one node or several) exactly one inserts and
    /// proceeds; the others find its row (PostgreSQL makes them wait for its commit) and replay, conflict or wait.
    /// </remarks>
    public Task<IdempotencyDecision> BeginAsync(string orgId, string key, string fingerprint, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var args = new { orgId, key, fingerprint, tx.Now, expired = tx.Now - Lifetime * 2 };
            var claimed = await tx.ExecuteAsync("""
                INSERT INTO idempotency_keys (org_id, idempotency_key, request_fingerprint, created_at)
                VALUES (@orgId, @key, @fingerprint, @Now)
                ON CONFLICT (org_id, idempotency_key) DO NOTHING
                """, args);
            // A record past twice its lifetime is taken over as if it were not there.
            claimed += claimed == 1 ? 0 : await tx.ExecuteAsync("""
                UPDATE idempotency_keys SET request_fingerprint = @fingerprint, status_code = NULL, response_body = NULL, created_at = @Now
                WHERE org_id = @orgId AND idempotency_key = @key AND created_at < @expired
                """, args);
            if (claimed == 1)
            {
                return new IdempotencyDecision(IdempotencyOutcome.Proceed);
            }

            var row = await tx.QuerySingleAsync<Row>(
                "SELECT request_fingerprint, status_code, response_body, created_at FROM idempotency_keys WHERE org_id = @orgId AND idempotency_key = @key",
                new { orgId, key });
            if (row.RequestFingerprint != fingerprint)
            {
                return new IdempotencyDecision(IdempotencyOutcome.Mismatch);
            }

            return row.StatusCode is { } status
                ? new IdempotencyDecision(IdempotencyOutcome.Replay, status, row.ResponseBody is null ? null : protector.Unprotect(row.ResponseBody))
                : new IdempotencyDecision(IdempotencyOutcome.InProgress);
        }, cancellationToken);

    public Task CompleteAsync(string orgId, string key, int statusCode, string responseBody, CancellationToken cancellationToken = default) =>
        store.WriteAsync(tx => tx.ExecuteAsync("""
            UPDATE idempotency_keys SET status_code = @statusCode, response_body = @responseBody
            WHERE org_id = @orgId AND idempotency_key = @key
            """, new { orgId, key, statusCode, responseBody = protector.Protect(responseBody) }), cancellationToken);

    /// <summary>Forgets a key whose request failed in a way worth retrying (5xx, or a crash mid-request).</summary>
    public Task AbandonAsync(string orgId, string key, CancellationToken cancellationToken = default) =>
        store.WriteAsync(tx => tx.ExecuteAsync(
            "DELETE FROM idempotency_keys WHERE org_id = @orgId AND idempotency_key = @key AND status_code IS NULL",
            new { orgId, key }), cancellationToken);

    /// <summary>Drops records past twice their lifetime, and unfinished ones a crash left behind.</summary>
    public Task<int> PurgeAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        return store.WriteAsync(tx => tx.ExecuteAsync(
            "DELETE FROM idempotency_keys WHERE created_at < @expired OR (status_code IS NULL AND created_at < @stuck)",
            new { expired = now - Lifetime * 2, stuck = now - TimeSpan.FromMinutes(10) }), cancellationToken);
    }
}
