using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Campaigns;

/// <summary>
/// A campaign's status changes inside the caller's transaction, each with its <c>campaign.*</c> event: what the
/// API, the hopper and the end of a call share (it depends on nothing that ends calls, so a call's end may use it).
/// </summary>
public sealed class CampaignTransitions(EventOutbox outbox)
{
    public Task<Campaign?> GetAsync(StoreTransaction tx, string orgId, string id) =>
        tx.QuerySingleOrDefaultAsync<Campaign>($"SELECT {Campaign.Columns} FROM campaigns WHERE org_id = @orgId AND id = @id", new { orgId, id });

    public Task<Campaign?> GetAsync(StoreTransaction tx, string id) =>
        tx.QuerySingleOrDefaultAsync<Campaign>($"SELECT {Campaign.Columns} FROM campaigns WHERE id = @id", new { id });

    /// <summary>Pauses a running campaign inside the caller's transaction (the dialer's own pauses: credits, plan).</summary>
    public async Task<Campaign> PauseAsync(StoreTransaction tx, Campaign campaign, string reason)
    {
        var paused = await SetStatusAsync(tx, campaign, CampaignStatus.Paused, reason, "");
        await AppendAsync(tx, paused, CampaignEvents.Paused, reason);
        return paused;
    }

    /// <summary>Completes a running campaign whose every member is done; returns whether it did.</summary>
    public async Task<bool> CompleteIfDoneAsync(StoreTransaction tx, Campaign campaign)
    {
        if (campaign.Status != CampaignStatus.Running)
        {
            return false;
        }

        var open = await tx.ExecuteScalarAsync<long>("SELECT count(*) FROM campaign_members WHERE campaign_id = @Id AND state <> 'done'", new { campaign.Id });
        if (open > 0)
        {
            return false;
        }

        var completed = await SetStatusAsync(tx, campaign, CampaignStatus.Completed, null, "ended_at = @Now,");
        await AppendAsync(tx, completed, CampaignEvents.Completed, null);
        return true;
    }

    public Task<Campaign> SetStatusAsync(StoreTransaction tx, Campaign campaign, string status, string? reason, string extra) =>
        tx.QuerySingleAsync<Campaign>($"""
            UPDATE campaigns SET status = @status, pause_reason = @reason, {extra} updated_at = @Now
            WHERE id = @Id
            RETURNING {Campaign.Columns}
            """, new { status, reason, tx.Now, campaign.Id });

    public async Task AppendAsync(StoreTransaction tx, Campaign campaign, string type, string? reason)
    {
        var progress = await CampaignProgress.ReadAsync(tx, campaign);
        await outbox.AppendAsync(tx, campaign.OrgId, type, new { campaign_id = campaign.Id, name = campaign.Name, status = campaign.Status, reason, progress });
    }
}
