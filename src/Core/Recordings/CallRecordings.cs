using System.Security.Cryptography;
using System.Text;
using Cualify.Appliance.Core.Api;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Metrics;
using Cualify.Appliance.Core.Store;
using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Core.Recordings;

/// <summary>
/// Finished call recordings: registered when their file is complete (the call's <c>recording_url</c> and
/// <c>call.recording_ready</c> in one transaction), found for the API by call or by public link, and deleted by
/// retention or a contact's erasure. Without <c>Api:PublicBaseUrl</c> a recording's URL is its API path; with it,
/// an unguessable link that needs no key and stops working after <see cref="RecordingOptions.LinkLifetime"/>.
/// Each recording names the node whose data folder holds its file.
/// </summary>
public sealed class CallRecordings(
    ApplianceStore store, EventOutbox outbox, DataDirectory dataDirectory, IOptions<ApiOptions> api, IOptions<RecordingOptions> options,
    ClusterNode node, RecordingRemovalSignal removals, ApplianceMetrics metrics, ILogger<CallRecordings> logger)
{
    private readonly Counter _written = metrics.Counter("cualify_recordings_written_total", "Call recordings completed and registered, by how they were made (sip: written here; twilio: downloaded)", "source");
    private readonly Counter _writtenBytes = metrics.Counter("cualify_recording_bytes_written_total", "Bytes of the call recordings completed and registered", "source");

    private const int WavHeaderBytes = 44;
    private const int BytesPerSecond = 8000 * 2 * 2;

    /// <summary>The source of recordings the appliance wrote itself (SIP calls).</summary>
    public const string WrittenHere = "sip";

    public static string ApiPath(string callId) => $"/api/v1/calls/{callId}/recording";

    /// <summary>
    /// Registers the complete file of a call (relative to the data folder). False when the call is gone or its
    /// recording was registered before (a repeat after a restart changes nothing); a call whose contact was erased
    /// meanwhile keeps no recording (the file is deleted).
    /// </summary>
    public Task<bool> CompleteAsync(string callId, string relativeFile, CancellationToken cancellationToken = default) =>
        CompleteAsync(callId, relativeFile, WrittenHere, cancellationToken);

    /// <summary>As above, for a file that <paramref name="source"/> (a provider's name) made, for the metrics.</summary>
    public async Task<bool> CompleteAsync(string callId, string relativeFile, string source, CancellationToken cancellationToken)
    {
        var info = new FileInfo(dataDirectory.Combine(relativeFile));
        if (!info.Exists)
        {
            return false;
        }

        var durationSec = (long)Math.Round(Math.Max(0, info.Length - WavHeaderBytes) / (double)BytesPerSecond, MidpointRounding.AwayFromZero);
        return await store.WriteAsync(async tx =>
        {
            var found = await tx.QuerySingleOrDefaultAsync<Call>($"SELECT {Call.Columns} FROM calls WHERE id = @callId", new { callId });
            if (found is null)
            {
                return false;
            }

            if (found.ToE164 is null)
            {
                // The contact was erased while the call was live: the recording goes too.
                tx.AfterCommit(() => DeleteFile(info.FullName, callId));
                return false;
            }

            var inserted = await tx.ExecuteAsync("""
                INSERT INTO recordings (call_id, org_id, contact_id, file, bytes, duration_sec, created_at, node_id)
                VALUES (@callId, @OrgId, @ContactId, @relativeFile, @Bytes, @durationSec, @Now, @nodeId)
                ON CONFLICT (call_id) DO NOTHING
                """, new { callId, found.OrgId, found.ContactId, relativeFile, Bytes = info.Length, durationSec, tx.Now, nodeId = node.Id });
            if (inserted == 0)
            {
                return false;
            }

            await tx.ExecuteAsync("UPDATE calls SET recording_url = @url, updated_at = @Now WHERE id = @callId",
                new { url = ApiPath(callId), callId, tx.Now });
            var url = await UrlAsync(tx, callId);
            await outbox.AppendAsync(tx, found.OrgId, RecordingEvents.Ready, new RecordingReady(callId, url, durationSec));
            tx.AfterCommit(() =>
            {
                _written.Inc(source);
                _writtenBytes.Add(info.Length, source);
            });
            return true;
        }, cancellationToken);
    }

    /// <summary>The URL to hand out for a call that has a recording: a freshly minted public link, or the API path.</summary>
    public Task<string> UrlAsync(string callId, CancellationToken cancellationToken = default) =>
        api.Value.PublicBase is null ? Task.FromResult(ApiPath(callId)) : store.WriteAsync(tx => UrlAsync(tx, callId), cancellationToken);

    private async Task<string> UrlAsync(StoreTransaction tx, string callId)
    {
        if (api.Value.PublicBase is not { } publicBase)
        {
            return ApiPath(callId);
        }

        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        await tx.ExecuteAsync("INSERT INTO recording_links (token_digest, call_id, expires_at) VALUES (@digest, @callId, @expires)",
            new { digest = Digest(token), callId, expires = tx.Now + options.Value.LinkLifetime });
        await tx.ExecuteAsync("DELETE FROM recording_links WHERE expires_at < @Now", new { tx.Now });
        return new Uri(publicBase, $"api/v1/recordings/{token}.wav").ToString();
    }

    /// <summary>The recording of a call of the org, or null (none, another org's, or deleted).</summary>
    public Task<StoredRecording?> FindAsync(string orgId, string callId, CancellationToken cancellationToken = default) =>
        store.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<StoredRecording>(new CommandDefinition(
            "SELECT * FROM recordings WHERE org_id = @orgId AND call_id = @callId", new { orgId, callId }, cancellationToken: cancellationToken)),
            cancellationToken);

    /// <summary>The recording a public link names, or null when the token is unknown or has expired.</summary>
    public Task<StoredRecording?> FindByTokenAsync(string token, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        store.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<StoredRecording>(new CommandDefinition("""
            SELECT r.* FROM recording_links l JOIN recordings r ON r.call_id = l.call_id
            WHERE l.token_digest = @digest AND l.expires_at > @now
            """, new { digest = Digest(token), now }, cancellationToken: cancellationToken)), cancellationToken);

    public string FullPath(StoredRecording recording) => dataDirectory.Combine(recording.File);

    /// <summary>
    /// Deletes recordings made before the retention window; their calls' <c>recording_url</c> becomes null. Every node
    /// runs this: each deletes those whose file is in its own data folder, and those of nodes no longer in <c>nodes</c>
    /// (or of none), whose files are queued for their node should it come back.
    /// </summary>
    public async Task<int> PurgeExpiredAsync(CancellationToken cancellationToken = default)
    {
        var deleted = await store.WriteAsync(async tx =>
        {
            var cutoff = tx.Now - TimeSpan.FromDays(options.Value.RetentionDays);
            var old = (await tx.QueryAsync<StoredRecording>("""
                SELECT * FROM recordings
                WHERE created_at < @cutoff AND (node_id IS NULL OR node_id = @self OR node_id NOT IN (SELECT id FROM nodes))
                """, new { cutoff, self = node.Id })).ToList();
            await DeleteAsync(tx, old);
            return old;
        }, cancellationToken);
        return deleted.Count;
    }

    /// <summary>
    /// Removes the rows, links and URLs of <paramref name="recordings"/> in the transaction; the files in this node's
    /// data folder go once it commits, and those in another node's are queued for that node (see <see cref="RemoveQueuedFilesAsync"/>).
    /// </summary>
    internal async Task DeleteAsync(StoreTransaction tx, IReadOnlyList<StoredRecording> recordings)
    {
        var here = new List<StoredRecording>(recordings.Count);
        foreach (var recording in recordings)
        {
            await tx.ExecuteAsync("DELETE FROM recordings WHERE call_id = @CallId", recording);
            await tx.ExecuteAsync("DELETE FROM recording_links WHERE call_id = @CallId", recording);
            await tx.ExecuteAsync("UPDATE calls SET recording_url = NULL, updated_at = @Now WHERE id = @CallId", new { recording.CallId, tx.Now });
            if (recording.NodeId is { } holder && holder != node.Id)
            {
                await tx.ExecuteAsync("""
                    INSERT INTO recording_file_removals (node_id, file, call_id, requested_at) VALUES (@holder, @File, @CallId, @Now)
                    ON CONFLICT (node_id, file) DO NOTHING
                    """, new { holder, recording.File, recording.CallId, tx.Now });
            }
            else
            {
                here.Add(recording);
            }
        }

        tx.AfterCommit(() =>
        {
            foreach (var recording in here)
            {
                DeleteFile(FullPath(recording), recording.CallId);
            }

            if (here.Count < recordings.Count)
            {
                removals.Notify();
            }
        });
    }

    /// <summary>
    /// Deletes the files other nodes queued for this node's data folder (a contact's erasure or retention that ran
    /// there), then their queue rows; a file that cannot be deleted stays queued for the next round.
    /// </summary>
    public async Task<int> RemoveQueuedFilesAsync(CancellationToken cancellationToken = default)
    {
        var queued = (await store.ReadAsync(connection => connection.QueryAsync<QueuedRemoval>(new CommandDefinition(
            "SELECT file AS File, call_id AS CallId FROM recording_file_removals WHERE node_id = @self", new { self = node.Id }, cancellationToken: cancellationToken)),
            cancellationToken)).ToList();
        var removed = queued.Where(removal => DeleteFile(dataDirectory.Combine(removal.File), removal.CallId)).ToList();
        if (removed.Count > 0)
        {
            await store.WriteAsync(async tx =>
            {
                foreach (var removal in removed)
                {
                    await tx.ExecuteAsync("DELETE FROM recording_file_removals WHERE node_id = @self AND file = @File", new { self = node.Id, removal.File });
                }
            }, cancellationToken);
        }

        return removed.Count;
    }

    private sealed record QueuedRemoval(string File, string CallId);

    private bool DeleteFile(string path, string callId)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.LogError("The recording of call {CallId} could not be deleted ({Detail})", callId, ex.Message);
            return false;
        }
    }

    private static string Digest(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
