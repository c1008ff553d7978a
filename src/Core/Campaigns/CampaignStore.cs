using System.Text.Json;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Paging;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Sequences;
using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Campaigns;

/// <summary>
/// Campaigns and their life: <c>draft → running ⇄ paused → completed | stopped</c>. Starting snapshots the
/// contacts; pausing stops new dials at once (the dialer admits no queued call of a campaign that is not running;
/// live calls finish); resuming re-spaces the calls still queued at the campaign's pace; stopping cancels the
/// queued calls and leaves the contacts not yet reached as <c>not_called</c>. Each change writes its
/// <c>campaign.*</c> event in the same transaction.
/// </summary>
public sealed class CampaignStore(
    ApplianceStore store,
    PlaybookStore playbooks,
    SequenceTemplateStore templates,
    CallSettlement settlement,
    CampaignTransitions transitions,
    CampaignSignal signal,
    TimeProvider time)
{
    public const string CanceledByStop = "campaign_stopped";

    public Task<CampaignView> CreateAsync(string orgId, CampaignInput input, CancellationToken cancellationToken = default)
    {
        var draft = CampaignRules.Check(input);
        return store.WriteAsync(async tx =>
        {
            if (draft.AgentId is not null && (!Ids.IsUuid(draft.AgentId) || await playbooks.GetAsync(tx, orgId, draft.AgentId) is null))
            {
                throw ApplianceException.NotFound("Agent (playbook)", "agent_id");
            }

            if (draft.TemplateId is not null && await templates.GetAsync(tx, orgId, draft.TemplateId) is null)
            {
                throw ApplianceException.NotFound("Sequence template", "template_id");
            }

            var campaign = await tx.QuerySingleAsync<Campaign>($"""
                INSERT INTO campaigns (id, org_id, name, agent_id, template_id, contacts, calls_per_minute, max_concurrent, retry_on,
                                       retry_after_minutes, max_attempts, dial_window, status, created_at, updated_at)
                VALUES (@Id, @orgId, @Name, @AgentId, @TemplateId, @Contacts, @CallsPerMinute, @MaxConcurrent, @RetryOn,
                        @RetryAfterMinutes, @MaxAttempts, @Window, 'draft', @Now, @Now)
                RETURNING {Campaign.Columns}
                """, new
            {
                Id = Ids.New(tx.Now),
                orgId,
                draft.Name,
                draft.AgentId,
                draft.TemplateId,
                Contacts = draft.Contacts.ToJsonString(),
                draft.CallsPerMinute,
                draft.MaxConcurrent,
                RetryOn = JsonSerializer.Serialize(draft.RetryOn),
                draft.RetryAfterMinutes,
                draft.MaxAttempts,
                draft.Window,
                tx.Now,
            });
            return await ViewAsync(tx, campaign);
        }, cancellationToken);
    }

    public Task<CampaignView?> GetViewAsync(string orgId, string id, CancellationToken cancellationToken = default) =>
        store.ReadAsync(async connection =>
        {
            var campaign = await connection.QuerySingleOrDefaultAsync<Campaign>(new CommandDefinition(
                $"SELECT {Campaign.Columns} FROM campaigns WHERE org_id = @orgId AND id = @id", new { orgId, id }, cancellationToken: cancellationToken));
            return campaign is null ? null : CampaignView.From(campaign, await CampaignProgress.ReadAsync(connection, null, campaign, time.GetUtcNow()));
        }, cancellationToken);

    public async Task<Page<CampaignView>> ListAsync(string orgId, string? status, PageRequest page, CancellationToken cancellationToken = default)
    {
        var rows = await ListQuery.OfOrg("campaigns", Campaign.Columns)
            .Where(status is not null, "status = @status")
            .ReadAsync<Campaign>(store, new { OrgId = orgId, status }, page, cancellationToken);
        var views = new List<CampaignView>(rows.Items.Count);
        foreach (var campaign in rows.Items)
        {
            views.Add((await GetViewAsync(orgId, campaign.Id, cancellationToken))!);
        }

        return new Page<CampaignView>(views, page, rows.Total);
    }

    /// <summary>Snapshots the contacts and starts dialing (or enrolling) at the campaign's pace.</summary>
    public Task<CampaignView> StartAsync(string orgId, string id, CancellationToken cancellationToken = default) =>
        ChangeAsync(orgId, id, [CampaignStatus.Draft], "started", async (tx, campaign) =>
        {
            await CampaignAudience.SnapshotAsync(tx, campaign);
            var started = await transitions.SetStatusAsync(tx, campaign, CampaignStatus.Running, null, "started_at = @Now, next_dial_at = @Now,");
            await transitions.AppendAsync(tx, started, CampaignEvents.Started, null);
            return started;
        }, cancellationToken);

    public Task<CampaignView> PauseAsync(string orgId, string id, CancellationToken cancellationToken = default) =>
        ChangeAsync(orgId, id, [CampaignStatus.Running], "paused", (tx, campaign) => transitions.PauseAsync(tx, campaign, CampaignPauseReasons.Requested), cancellationToken);

    public Task<CampaignView> ResumeAsync(string orgId, string id, CancellationToken cancellationToken = default) =>
        ChangeAsync(orgId, id, [CampaignStatus.Paused], "resumed", async (tx, campaign) =>
        {
            var resumed = await transitions.SetStatusAsync(tx, campaign, CampaignStatus.Running, null, "next_dial_at = @Now,");
            var queued = (await tx.QueryAsync<(string Id, DateTimeOffset ScheduledFor)>(
                "SELECT id, scheduled_for FROM calls WHERE campaign_id = @Id AND status = 'queued' ORDER BY scheduled_for, id", new { campaign.Id })).ToList();
            var slot = tx.Now;
            foreach (var call in queued)
            {
                var at = call.ScheduledFor > slot ? call.ScheduledFor : slot;
                await tx.ExecuteAsync("UPDATE calls SET scheduled_for = @at, updated_at = @Now WHERE id = @Id AND status = 'queued'", new { at, tx.Now, call.Id });
                slot = at + campaign.Interval;
            }

            resumed = await tx.QuerySingleAsync<Campaign>($"UPDATE campaigns SET next_dial_at = @slot WHERE id = @Id RETURNING {Campaign.Columns}", new { slot, campaign.Id });
            await transitions.AppendAsync(tx, resumed, CampaignEvents.Resumed, null);
            return resumed;
        }, cancellationToken);

    public Task<CampaignView> StopAsync(string orgId, string id, CancellationToken cancellationToken = default) =>
        ChangeAsync(orgId, id, [CampaignStatus.Draft, CampaignStatus.Running, CampaignStatus.Paused], "stopped", async (tx, campaign) =>
        {
            var stopped = await transitions.SetStatusAsync(tx, campaign, CampaignStatus.Stopped, null, "ended_at = @Now,");
            var queued = await tx.QueryAsync<Call>($"SELECT {Call.Columns} FROM calls WHERE campaign_id = @Id AND status = 'queued'{tx.Dialect.ForUpdate}", new { campaign.Id });
            foreach (var call in queued)
            {
                await settlement.FinishAsync(tx, call, new CallFinish(CallStatus.Canceled, CanceledByStop, tx.Now));
            }

            await tx.ExecuteAsync("""
                UPDATE campaign_members SET state = 'done', result = 'not_called', updated_at = @Now WHERE campaign_id = @Id AND state = 'pending'
                """, new { campaign.Id, tx.Now });
            await transitions.AppendAsync(tx, stopped, CampaignEvents.Stopped, null);
            return stopped;
        }, cancellationToken);

    public async Task<CampaignView> ViewAsync(StoreTransaction tx, Campaign campaign) =>
        CampaignView.From(campaign, await CampaignProgress.ReadAsync(tx, campaign));

    private Task<CampaignView> ChangeAsync(string orgId, string id, string[] from, string verb, Func<StoreTransaction, Campaign, Task<Campaign>> change, CancellationToken cancellationToken) =>
        store.WriteAsync(async tx =>
        {
            var campaign = (Ids.IsUuid(id) ? await transitions.GetAsync(tx, orgId, id) : null) ?? throw ApplianceException.NotFound("Campaign", "id");
            if (!from.Contains(campaign.Status))
            {
                throw ApplianceException.Conflict($"A {campaign.Status} campaign cannot be {verb}; it must be {string.Join(" or ", from)}");
            }

            var changed = await change(tx, campaign);
            tx.AfterCommit(signal.Notify);
            return await ViewAsync(tx, changed);
        }, cancellationToken);

}

/// <summary>A campaign started, resumed or has a free slot: the hopper looks again at once.</summary>
public sealed class CampaignSignal : WorkSignal;
