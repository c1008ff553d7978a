using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Playbooks.Audio;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Playbooks;

/// <summary>
/// Uploaded prompts: converted to 8 kHz mono G.711 (µ-law <c>.ulaw</c> and A-law <c>.alaw</c>, raw, no header)
/// under <c>&lt;data-dir&gt;/audio/&lt;org&gt;/</c>, recorded in the store and made the playbook's <c>audio_id</c>.
/// </summary>
public sealed class PlaybookAudioStore(ApplianceStore store, PlaybookStore playbooks, DataDirectory dataDirectory, TimeProvider time)
{
    public const int MaxUploadBytes = 64 * 1024 * 1024;

    public async Task<(Playbook Playbook, PlaybookAudio Audio)> UploadAsync(string orgId, string playbookId, byte[] wav, CancellationToken cancellationToken = default)
    {
        _ = await playbooks.GetAsync(orgId, playbookId, cancellationToken) ?? throw ApplianceException.NotFound("Playbook", "id");
        TelephonePrompt prompt;
        try
        {
            prompt = PromptConverter.Convert(wav);
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
            return await store.WriteAsync(async tx =>
            {
                var playbook = await playbooks.GetAsync(tx, orgId, playbookId) ?? throw ApplianceException.NotFound("Playbook", "id");
                var audio = await tx.QuerySingleAsync<PlaybookAudio>("""
                    INSERT INTO playbook_audio (id, org_id, playbook_id, source_format, duration_ms, ulaw_file, alaw_file, created_at)
                    VALUES (@audioId, @orgId, @playbookId, @SourceFormat, @DurationMs, @ulawFile, @alawFile, @Now)
                    RETURNING *
                    """, new { audioId, orgId, playbookId, prompt.SourceFormat, DurationMs = (long)prompt.Duration.TotalMilliseconds, ulawFile, alawFile, tx.Now });
                var updated = await tx.QuerySingleAsync<Playbook>($"""
                    UPDATE playbooks SET audio_id = @audioId, updated_at = @Now WHERE id = @Id RETURNING {Playbook.Columns}
                    """, new { audioId, playbook.Id, tx.Now });
                return (updated, audio);
            }, cancellationToken);
        }
        catch
        {
            File.Delete(dataDirectory.Combine(ulawFile));
            File.Delete(dataDirectory.Combine(alawFile));
            throw;
        }
    }

    /// <summary>Where the µ-law file of <paramref name="audio"/> lives; the A-law one sits beside it.</summary>
    public string UlawPath(PlaybookAudio audio) => dataDirectory.Combine(audio.UlawFile);

    public string AlawPath(PlaybookAudio audio) => dataDirectory.Combine(audio.AlawFile);
}
