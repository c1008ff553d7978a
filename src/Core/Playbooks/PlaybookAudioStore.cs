using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Playbooks.Audio;
using Cualify.Appliance.Core.Store;
using Dapper;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Core.Playbooks;

/// <summary>
/// Uploaded prompts: converted once, on the <see cref="AudioConversionQueue"/>, to 8 kHz mono G.711 (µ-law <c>.ulaw</c>
/// and A-law <c>.alaw</c>, raw, no header) under <c>&lt;data-dir&gt;/audio/&lt;org&gt;/</c>, recorded in the store and
/// made the playbook's <c>audio_id</c>. Calls read the file of the law they negotiated; nothing converts per call.
/// The prompt an upload replaces is deleted, row and files, unless another playbook of the org still plays it.
/// On PostgreSQL the converted audio is kept in the store too (<c>playbook_audio_data</c>): a node dialing a call
/// whose prompt another node converted writes the files into its own data folder first (<see cref="EnsureHereAsync"/>).
/// </summary>
public sealed class PlaybookAudioStore(
    ApplianceStore store, PlaybookStore playbooks, DataDirectory dataDirectory, AudioConversionQueue conversions, TimeProvider time,
    ILogger<PlaybookAudioStore> logger)
{
    public const int MaxUploadBytes = 64 * 1024 * 1024;

    public async Task<(Playbook Playbook, PlaybookAudio Audio)> UploadAsync(string orgId, string playbookId, byte[] wav, CancellationToken cancellationToken = default)
    {
        _ = await playbooks.GetAsync(orgId, playbookId, cancellationToken) ?? throw ApplianceException.NotFound("Playbook", "id");
        TelephonePrompt prompt;
        try
        {
            prompt = await conversions.RunAsync(orgId, () => PromptConverter.Convert(wav), cancellationToken);
        }
        catch (UnsupportedAudioException ex)
        {
            throw new FieldErrors().Add("file", ex.Message).ToException();
        }

        var audioId = Ids.New(time);
        var ulawFile = Path.Combine("audio", orgId, audioId + ".ulaw");
        var alawFile = Path.Combine("audio", orgId, audioId + ".alaw");
        Directory.CreateDirectory(dataDirectory.Combine("audio", orgId));
        await File.WriteAllBytesAsync(dataDirectory.Combine(ulawFile), prompt.Ulaw, cancellationToken);
        await File.WriteAllBytesAsync(dataDirectory.Combine(alawFile), prompt.Alaw, cancellationToken);
        try
        {
            var (updated, audio, replaced) = await store.WriteAsync(async tx =>
            {
                var playbook = await playbooks.GetAsync(tx, orgId, playbookId) ?? throw ApplianceException.NotFound("Playbook", "id");
                var audio = await tx.QuerySingleAsync<PlaybookAudio>("""
                    INSERT INTO playbook_audio (id, org_id, playbook_id, source_format, duration_ms, ulaw_file, alaw_file, created_at)
                    VALUES (@audioId, @orgId, @playbookId, @SourceFormat, @DurationMs, @ulawFile, @alawFile, @Now)
                    RETURNING *
                    """, new { audioId, orgId, playbookId, prompt.SourceFormat, DurationMs = (long)prompt.Duration.TotalMilliseconds, ulawFile, alawFile, tx.Now });
                if (store.IsPostgres)
                {
                    await tx.ExecuteAsync("INSERT INTO playbook_audio_data (audio_id, ulaw, alaw) VALUES (@audioId, @Ulaw, @Alaw)",
                        new { audioId, prompt.Ulaw, prompt.Alaw });
                }

                var updated = await tx.QuerySingleAsync<Playbook>($"""
                    UPDATE playbooks SET audio_id = @audioId, updated_at = @Now WHERE id = @Id RETURNING {Playbook.Columns}
                    """, new { audioId, playbook.Id, tx.Now });
                var replaced = await ForgetUnusedAsync(tx, playbook.AudioId);
                return (updated, audio, replaced);
            }, cancellationToken);
            if (replaced is not null)
            {
                DeleteFiles(replaced);
            }

            return (updated, audio);
        }
        catch
        {
            File.Delete(dataDirectory.Combine(ulawFile));
            File.Delete(dataDirectory.Combine(alawFile));
            throw;
        }
    }

    /// <summary>Where the µ-law file of <paramref name="audio"/> lives.</summary>
    public string UlawPath(PlaybookAudio audio) => dataDirectory.Combine(audio.UlawFile);

    /// <summary>Where the A-law file of <paramref name="audio"/> lives.</summary>
    public string AlawPath(PlaybookAudio audio) => dataDirectory.Combine(audio.AlawFile);

    /// <summary>
    /// Makes sure this node's data folder has the files of <paramref name="audio"/>: on PostgreSQL a prompt converted at
    /// another node is written from the store (to a temporary name, then moved, so a call never reads half a file).
    /// False when the files are missing and the store has no copy (a prompt uploaded before the store kept one).
    /// </summary>
    public async Task<bool> EnsureHereAsync(PlaybookAudio audio, CancellationToken cancellationToken = default)
    {
        if (File.Exists(UlawPath(audio)) && File.Exists(AlawPath(audio)))
        {
            return true;
        }

        if (!store.IsPostgres)
        {
            return false;
        }

        var data = await store.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<StoredPromptAudio>(new CommandDefinition(
            "SELECT ulaw AS Ulaw, alaw AS Alaw FROM playbook_audio_data WHERE audio_id = @Id", new { audio.Id }, cancellationToken: cancellationToken)),
            cancellationToken);
        if (data is null)
        {
            return false;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(UlawPath(audio))!);
        await WriteWholeAsync(UlawPath(audio), data.Ulaw, cancellationToken);
        await WriteWholeAsync(AlawPath(audio), data.Alaw, cancellationToken);
        return true;
    }

    private static async Task WriteWholeAsync(string path, byte[] bytes, CancellationToken cancellationToken)
    {
        var partial = $"{path}.{Guid.NewGuid():N}.part";
        try
        {
            await File.WriteAllBytesAsync(partial, bytes, cancellationToken);
            File.Move(partial, path, overwrite: true);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }

    private sealed record StoredPromptAudio(byte[] Ulaw, byte[] Alaw);

    /// <summary>Removes the row of <paramref name="audioId"/> when no live playbook names it any more; the files go after commit.</summary>
    private static async Task<PlaybookAudio?> ForgetUnusedAsync(StoreTransaction tx, string? audioId)
    {
        if (audioId is null)
        {
            return null;
        }

        var users = await tx.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM playbooks WHERE audio_id = @audioId AND deleted_at IS NULL", new { audioId });
        if (users > 0)
        {
            return null;
        }

        await tx.ExecuteAsync("DELETE FROM playbook_audio_data WHERE audio_id = @audioId", new { audioId });
        return await tx.QuerySingleOrDefaultAsync<PlaybookAudio>("DELETE FROM playbook_audio WHERE id = @audioId RETURNING *", new { audioId });
    }

    private void DeleteFiles(PlaybookAudio audio)
    {
        foreach (var file in new[] { audio.UlawFile, audio.AlawFile })
        {
            try
            {
                File.Delete(dataDirectory.Combine(file));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning("Replaced prompt {AudioId}: {File} could not be deleted ({Detail})", audio.Id, file, ex.Message);
            }
        }
    }
}
