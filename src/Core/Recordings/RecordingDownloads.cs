using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Recordings;

/// <summary>A recording a provider holds for one of our calls, still to be fetched into the store.</summary>
public sealed class PendingRecordingDownload
{
    public string CallId { get; init; } = "";

    public string OrgId { get; init; } = "";

    public string ProviderCallId { get; init; } = "";

    /// <summary>The provider's id of the recording, once a callback or a listing named it.</summary>
    public string? RecordingId { get; init; }

    public int Attempts { get; init; }

    /// <summary>The call's final status (<c>failed</c> when the call is gone).</summary>
    public string CallStatus { get; init; } = Calls.CallStatus.Failed;

    public DateTimeOffset? AnsweredAt { get; init; }

    /// <summary>The callee was erased meanwhile (or the call is gone): nothing of theirs is to be fetched.</summary>
    public bool ContactErased { get; init; }
}

/// <summary>
/// The work list of recordings kept by the provider (Twilio records its own calls): a recorded call is listed when
/// it is placed, named by the provider's recording id when the recording is ready, and taken off once its file is in
/// <c>recordings/</c> (registered through <see cref="CallRecordings.CompleteAsync"/>) or there is nothing to fetch.
/// In the store, so a restart between a call's end and the download loses nothing.
/// </summary>
public sealed class RecordingDownloads(ApplianceStore store)
{
    /// <summary>Lists a placed, recorded call; a repeat changes nothing.</summary>
    public Task ExpectAsync(string callId, string orgId, string providerCallId, CancellationToken cancellationToken = default) =>
        store.WriteAsync(tx => tx.ExecuteAsync("""
            INSERT INTO recording_downloads (call_id, org_id, provider_call_id, next_attempt_at, created_at)
            VALUES (@callId, @orgId, @providerCallId, @Now, @Now)
            ON CONFLICT (call_id) DO NOTHING
            """, new { callId, orgId, providerCallId, tx.Now }), cancellationToken);

    /// <summary>
    /// The provider says the recording <paramref name="recordingId"/> of the call is ready: it is due at once. False
    /// when no recording of that call (by that provider call id) is awaited.
    /// </summary>
    public async Task<bool> ReadyAsync(string callId, string providerCallId, string recordingId, CancellationToken cancellationToken = default) =>
        await store.WriteAsync(tx => tx.ExecuteAsync("""
            UPDATE recording_downloads SET recording_id = @recordingId, next_attempt_at = @Now
            WHERE call_id = @callId AND provider_call_id = @providerCallId
            """, new { callId, providerCallId, recordingId, tx.Now }), cancellationToken) == 1;

    /// <summary>Awaited recordings of calls that have ended whose next attempt is due, oldest first.</summary>
    public Task<IReadOnlyList<PendingRecordingDownload>> DueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
        store.ReadAsync<IReadOnlyList<PendingRecordingDownload>>(async connection => [.. await connection.QueryAsync<PendingRecordingDownload>(new CommandDefinition("""
            SELECT d.call_id, d.org_id, d.provider_call_id, d.recording_id, d.attempts,
                   coalesce(c.status, 'failed') AS call_status, c.answered_at,
                   CASE WHEN c.to_e164 IS NULL THEN 1 ELSE 0 END AS contact_erased
            FROM recording_downloads d LEFT JOIN calls c ON c.id = d.call_id
            WHERE d.next_attempt_at <= @now
              AND (c.id IS NULL OR c.status IN ('completed', 'failed', 'no_answer', 'busy', 'canceled'))
            ORDER BY d.next_attempt_at
            LIMIT @limit
            """, new { now, limit }, cancellationToken: cancellationToken))], cancellationToken);

    /// <summary>Tries again at <paramref name="next"/>; <paramref name="recordingId"/> is kept when a listing found it.</summary>
    public Task RetryAsync(string callId, DateTimeOffset next, string? recordingId = null, bool counts = true, CancellationToken cancellationToken = default) =>
        store.WriteAsync(tx => tx.ExecuteAsync("""
            UPDATE recording_downloads
            SET next_attempt_at = @next, recording_id = coalesce(@recordingId, recording_id), attempts = attempts + @step
            WHERE call_id = @callId
            """, new { callId, next, recordingId, step = counts ? 1 : 0 }), cancellationToken);

    /// <summary>Takes the call off the list: its recording is stored, or there is none to fetch.</summary>
    public Task ForgetAsync(string callId, CancellationToken cancellationToken = default) =>
        store.WriteAsync(tx => tx.ExecuteAsync("DELETE FROM recording_downloads WHERE call_id = @callId", new { callId }), cancellationToken);
}
