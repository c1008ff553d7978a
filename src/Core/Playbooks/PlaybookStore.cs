using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Paging;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Core.Secrets;
using Dapper;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Core.Playbooks;

/// <summary>
/// Playbooks of an org: create, read, list, change and delete (kept for the calls that name them). A save is refused
/// when no voice speaks its language, and its texts are synthesised once it is stored. An agent's token is sealed
/// before it is stored.
/// </summary>
public sealed class PlaybookStore(ApplianceStore store, IPlaybookSpeech speech, SecretProtector protector, IOptions<DialerOptions> dialer)
{
    public async Task<Playbook> CreateAsync(string orgId, PlaybookInput input, CancellationToken cancellationToken = default)
    {
        PlaybookRules.Check(input, creating: true, dialer.Value.AgentStreamAllowWsHosts);
        await speech.CheckVoiceAsync(input.Language ?? PlaybookRules.DefaultLanguage, input.Voice, cancellationToken);
        var created = await store.WriteAsync(async tx =>
        {
            await CheckAudioAsync(tx, orgId, input.AudioId);
            return await tx.QuerySingleAsync<Playbook>($"""
                INSERT INTO playbooks (id, org_id, name, language, voice, max_duration_sec, disclosure_text, message_text, audio_id, dtmf,
                                       handoff_target, voicemail, record, agent_stream_url, agent_auth_token, agent_parameters, created_at, updated_at)
                VALUES (@Id, @OrgId, @Name, @Language, @Voice, @MaxDurationSec, @DisclosureText, @MessageText, @AudioId, @Dtmf,
                        @HandoffTarget, @Voicemail, @Record, @AgentStreamUrl, @AgentAuthToken, @AgentParameters, @Now, @Now)
                RETURNING {Playbook.Columns}
                """, new
            {
                Id = Ids.New(tx.Now),
                OrgId = orgId,
                Name = input.Name!.Trim(),
                Language = input.Language ?? PlaybookRules.DefaultLanguage,
                input.Voice,
                MaxDurationSec = input.MaxDurationSec ?? PlaybookRules.DefaultMaxDurationSec,
                input.DisclosureText,
                input.MessageText,
                input.AudioId,
                Dtmf = PlaybookJson.Serialize(input.Dtmf ?? new Dictionary<string, string>()),
                HandoffTarget = PlaybookRules.NormalizeHandoffTarget(input.HandoffTarget),
                Voicemail = input.Voicemail ?? PlaybookRules.VoicemailHangup,
                Record = input.Record ?? false,
                AgentStreamUrl = input.Agent?.StreamUrl?.Trim(),
                AgentAuthToken = input.Agent?.AuthToken is { } token ? protector.Protect(token) : null,
                AgentParameters = input.Agent is null ? null : PlaybookAgentJson.Serialize(input.Agent.Parameters ?? new Dictionary<string, string>()),
                tx.Now,
            });
        }, cancellationToken);
        await speech.PrepareAsync(created, cancellationToken);
        return created;
    }

    /// <summary>A playbook of the org that has not been deleted.</summary>
    public Task<Playbook?> GetAsync(StoreTransaction tx, string orgId, string id) =>
        tx.QuerySingleOrDefaultAsync<Playbook>(
            $"SELECT {Playbook.Columns} FROM playbooks WHERE org_id = @orgId AND id = @id AND deleted_at IS NULL", new { orgId, id });

    public Task<Playbook?> GetAsync(string orgId, string id, CancellationToken cancellationToken = default) =>
        store.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<Playbook>(new CommandDefinition(
            $"SELECT {Playbook.Columns} FROM playbooks WHERE org_id = @orgId AND id = @id AND deleted_at IS NULL",
            new { orgId, id }, cancellationToken: cancellationToken)), cancellationToken);

    /// <summary>Any playbook by id, deleted or not: what a queued call names.</summary>
    public Task<Playbook?> GetAnyAsync(StoreTransaction tx, string id) =>
        tx.QuerySingleOrDefaultAsync<Playbook>($"SELECT {Playbook.Columns} FROM playbooks WHERE id = @id", new { id });

    public Task<Page<Playbook>> ListAsync(string orgId, PageRequest page, CancellationToken cancellationToken = default) =>
        ListQuery.OfOrg("playbooks", Playbook.Columns).Where("deleted_at IS NULL").ReadAsync<Playbook>(store, new { OrgId = orgId }, page, cancellationToken);

    public async Task<Playbook> UpdateAsync(string orgId, string id, PlaybookInput input, CancellationToken cancellationToken = default)
    {
        PlaybookRules.Check(input, creating: false, dialer.Value.AgentStreamAllowWsHosts);
        var before = await GetAsync(orgId, id, cancellationToken) ?? throw ApplianceException.NotFound("Playbook", "id");
        if (input.Language is not null || input.Voice is not null || input.Clears("voice"))
        {
            await speech.CheckVoiceAsync(input.Language ?? before.Language, input.Clears("voice") ? null : input.Voice ?? before.Voice, cancellationToken);
        }

        var updated = await store.WriteAsync(async tx =>
        {
            var current = await GetAsync(tx, orgId, id) ?? throw ApplianceException.NotFound("Playbook", "id");
            await CheckAudioAsync(tx, orgId, input.AudioId);
            return await tx.QuerySingleAsync<Playbook>($"""
                UPDATE playbooks SET name = @Name, language = @Language, voice = @Voice, max_duration_sec = @MaxDurationSec,
                    disclosure_text = @DisclosureText, message_text = @MessageText, audio_id = @AudioId, dtmf = @Dtmf,
                    handoff_target = @HandoffTarget, voicemail = @Voicemail, record = @Record, agent_stream_url = @AgentStreamUrl,
                    agent_auth_token = @AgentAuthToken, agent_parameters = @AgentParameters, updated_at = @Now
                WHERE id = @Id
                RETURNING {Playbook.Columns}
                """, new
            {
                current.Id,
                Name = input.Name?.Trim() ?? current.Name,
                Language = input.Language ?? current.Language,
                Voice = input.Clears("voice") ? null : input.Voice ?? current.Voice,
                MaxDurationSec = input.MaxDurationSec ?? current.MaxDurationSec,
                DisclosureText = input.Clears("disclosure_text") ? null : input.DisclosureText ?? current.DisclosureText,
                MessageText = input.Clears("message_text") ? null : input.MessageText ?? current.MessageText,
                AudioId = input.Clears("audio_id") ? null : input.AudioId ?? current.AudioId,
                Dtmf = input.Dtmf is null ? current.Dtmf : PlaybookJson.Serialize(input.Dtmf),
                HandoffTarget = input.Clears("handoff_target") ? null : PlaybookRules.NormalizeHandoffTarget(input.HandoffTarget) ?? current.HandoffTarget,
                Voicemail = input.Voicemail ?? current.Voicemail,
                Record = input.Record ?? current.Record,
                AgentStreamUrl = input.Clears("agent") ? null : input.Agent?.StreamUrl?.Trim() ?? current.AgentStreamUrl,
                AgentAuthToken = AgentTokenAfter(input, current),
                AgentParameters = input.Clears("agent") ? null
                    : input.Agent is null ? current.AgentParameters : PlaybookAgentJson.Serialize(input.Agent.Parameters ?? new Dictionary<string, string>()),
                tx.Now,
            });
        }, cancellationToken);
        await speech.PrepareAsync(updated, cancellationToken);
        return updated;
    }

    /// <summary>Deletes the playbook for the API; calls that name it keep their history, queued ones are not dialed.</summary>
    public Task DeleteAsync(string orgId, string id, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var deleted = await tx.ExecuteAsync(
                "UPDATE playbooks SET deleted_at = @Now, updated_at = @Now WHERE org_id = @orgId AND id = @id AND deleted_at IS NULL",
                new { orgId, id, tx.Now });
            if (deleted == 0)
            {
                throw ApplianceException.NotFound("Playbook", "id");
            }
        }, cancellationToken);

    /// <summary>The agent's token, opened: what the dialer sends as the bearer token. Null when none is set.</summary>
    public string? OpenAgentToken(Playbook playbook) => playbook.AgentAuthToken is { } sealedToken ? protector.Unprotect(sealedToken) : null;

    /// <summary>An update keeps the sealed token unless it sends a new one, clears it, or removes the agent.</summary>
    private string? AgentTokenAfter(PlaybookInput input, Playbook current) => input switch
    {
        _ when input.Clears("agent") => null,
        { Agent: null } => current.AgentAuthToken,
        { Agent.ClearsAuthToken: true } => null,
        { Agent.AuthToken: { } token } => protector.Protect(token),
        _ => current.AgentAuthToken,
    };

    public Task<PlaybookAudio?> AudioAsync(StoreTransaction tx, string? audioId) =>
        audioId is null
            ? Task.FromResult<PlaybookAudio?>(null)
            : tx.QuerySingleOrDefaultAsync<PlaybookAudio>("SELECT * FROM playbook_audio WHERE id = @audioId", new { audioId });

    public Task<PlaybookAudio?> AudioAsync(string? audioId, CancellationToken cancellationToken = default) =>
        audioId is null
            ? Task.FromResult<PlaybookAudio?>(null)
            : store.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<PlaybookAudio>(new CommandDefinition(
                "SELECT * FROM playbook_audio WHERE id = @audioId", new { audioId }, cancellationToken: cancellationToken)), cancellationToken);

    private static async Task CheckAudioAsync(StoreTransaction tx, string orgId, string? audioId)
    {
        if (audioId is null)
        {
            return;
        }

        var found = await tx.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM playbook_audio WHERE id = @audioId AND org_id = @orgId", new { audioId, orgId });
        if (found == 0)
        {
            throw new FieldErrors().Add("audio_id", "audio_id must name audio uploaded to one of this org's playbooks with POST /api/v1/playbooks/{id}/audio").ToException();
        }
    }
}
