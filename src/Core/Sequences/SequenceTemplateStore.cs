using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Json;
using Cualify.Appliance.Core.Paging;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Sequences;

/// <summary>
/// Sequence templates of an org: create, read, list and change, each checked by <see cref="TemplateRules"/>
/// (syntax and render bounds, outside the store's writer) and, in the saving transaction, every voice step's
/// <c>agent_id</c> against the org's playbooks.
/// </summary>
public sealed class SequenceTemplateStore(ApplianceStore store, PlaybookStore playbooks)
{
    public const string Columns = "id, org_id, name, allowed_channels, steps, variants_by_language, sending_window, stop_on_reply, created_at, updated_at";

    public async Task<SequenceTemplate> CreateAsync(string orgId, TemplateInput input, CancellationToken cancellationToken = default)
    {
        var definition = TemplateRules.Validate(input);
        await TemplateRules.CheckBoundsAsync(definition);
        return await store.WriteAsync(async tx =>
        {
            await CheckAgentsAsync(tx, orgId, definition);
            return await tx.QuerySingleAsync<SequenceTemplate>($"""
                INSERT INTO sequence_templates (id, org_id, name, allowed_channels, steps, variants_by_language, sending_window, stop_on_reply, created_at, updated_at)
                VALUES (@Id, @OrgId, @Name, @AllowedChannels, @Steps, @Variants, @SendingWindow, @StopOnReply, @Now, @Now)
                RETURNING {Columns}
                """, Parameters(Ids.Prefixed("tpl", tx.Now), orgId, definition, tx.Now));
        }, cancellationToken);
    }

    /// <summary>
    /// Checks the change against the stored template outside the writer, then saves it unless the template
    /// changed meanwhile, in which case the check runs again on the newer version.
    /// </summary>
    public async Task<SequenceTemplate> UpdateAsync(string orgId, string id, TemplateInput input, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var existing = await GetAsync(orgId, id, cancellationToken) ?? throw ApplianceException.NotFound("Sequence template", "id");
            var definition = TemplateRules.Validate(input, existing);
            await TemplateRules.CheckBoundsAsync(definition);
            var saved = await store.WriteAsync(async tx =>
            {
                var current = await GetAsync(tx, orgId, id) ?? throw ApplianceException.NotFound("Sequence template", "id");
                if (current.UpdatedAt != existing.UpdatedAt || current.Steps != existing.Steps || current.VariantsByLanguage != existing.VariantsByLanguage)
                {
                    return (SequenceTemplate?)null;
                }

                await CheckAgentsAsync(tx, orgId, definition);
                return await tx.QuerySingleAsync<SequenceTemplate>($"""
                    UPDATE sequence_templates SET name = @Name, allowed_channels = @AllowedChannels, steps = @Steps,
                        variants_by_language = @Variants, sending_window = @SendingWindow, stop_on_reply = @StopOnReply, updated_at = @Now
                    WHERE id = @Id AND org_id = @OrgId
                    RETURNING {Columns}
                    """, Parameters(id, orgId, definition, tx.Now));
            }, cancellationToken);
            if (saved is not null)
            {
                return saved;
            }
        }
    }

    public Task<SequenceTemplate?> GetAsync(StoreTransaction tx, string orgId, string id) =>
        tx.QuerySingleOrDefaultAsync<SequenceTemplate>($"SELECT {Columns} FROM sequence_templates WHERE org_id = @orgId AND id = @id", new { orgId, id });

    public Task<SequenceTemplate?> GetAsync(string orgId, string id, CancellationToken cancellationToken = default) =>
        store.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<SequenceTemplate>(new CommandDefinition(
            $"SELECT {Columns} FROM sequence_templates WHERE org_id = @orgId AND id = @id", new { orgId, id }, cancellationToken: cancellationToken)), cancellationToken);

    public Task<Page<SequenceTemplate>> ListAsync(string orgId, PageRequest page, CancellationToken cancellationToken = default) =>
        store.ReadAsync(async connection =>
        {
            var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT count(*) FROM sequence_templates WHERE org_id = @orgId", new { orgId }, cancellationToken: cancellationToken));
            var rows = await connection.QueryAsync<SequenceTemplate>(new CommandDefinition(
                $"SELECT {Columns} FROM sequence_templates WHERE org_id = @orgId ORDER BY id DESC LIMIT @Limit OFFSET @Offset",
                new { orgId, page.Limit, page.Offset }, cancellationToken: cancellationToken));
            return new Page<SequenceTemplate>(rows.ToList(), page, total);
        }, cancellationToken);

    /// <summary>Every voice step must name a playbook of the org; all missing ones are reported together, each by its step.</summary>
    private async Task CheckAgentsAsync(StoreTransaction tx, string orgId, TemplateDefinition definition)
    {
        var errors = new FieldErrors();
        for (var i = 0; i < definition.Steps.Count; i++)
        {
            var agentId = definition.Steps[i].AgentId;
            if (definition.Steps[i].Channel == Contacts.ContactChannel.Voice && agentId is not null
                && (!Ids.IsUuid(agentId) || await playbooks.GetAsync(tx, orgId, agentId) is null))
            {
                errors.Add($"steps[{i}].agent_id", $"steps[{i}].agent_id names no playbook of this org; create one with POST /api/v1/playbooks and use its id");
            }
        }

        errors.ThrowIfAny();
    }

    private static object Parameters(string id, string orgId, TemplateDefinition d, DateTimeOffset now) => new
    {
        Id = id,
        OrgId = orgId,
        d.Name,
        AllowedChannels = ApplianceJson.Serialize(d.AllowedChannels),
        Steps = ApplianceJson.Serialize(d.Steps),
        Variants = ApplianceJson.Serialize(d.VariantsByLanguage),
        d.SendingWindow,
        d.StopOnReply,
        Now = now,
    };
}
