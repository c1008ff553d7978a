using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Metrics;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Campaigns;

/// <summary>
/// The hopper's rules: for each running call campaign, in one transaction, it places the next contacts' calls
/// through <see cref="CallPlacement"/> (every check of <c>POST /calls</c>) a little ahead of need — only calls
/// due within <see cref="LookAhead"/>, spaced at the campaign's pace — and never more in flight than the
/// campaign's <c>max_concurrent</c> or its fair share of the org's concurrency (the org's limit split between its
/// running campaigns, one slot always left for API calls). The member and its call change together, so a crash
/// can neither lose a contact nor call one twice. Refusals are counted on the member (<c>opted_out</c>,
/// <c>skipped_no_consent</c>…); an inactive plan, missing credits or a deleted playbook pause the campaign with
/// the reason.
/// </summary>
public sealed class CampaignFeed(
    ApplianceStore store,
    CampaignTransitions campaigns,
    CallPlacement placement,
    OrgStore orgs,
    ApplianceMetrics metrics)
{
    public static readonly TimeSpan LookAhead = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan CatchUp = TimeSpan.FromSeconds(2);
    private readonly Counter _placed = metrics.Counter("cualify_campaign_calls_placed_total", "Calls a campaign's hopper queued, by campaign", "campaign");

    /// <summary>Running campaigns, the one fed longest ago first.</summary>
    public Task<IEnumerable<(string Id, bool IsSequence)>> RunningAsync(CancellationToken cancellationToken) =>
        store.ReadAsync(c => c.QueryAsync<(string, bool)>(new CommandDefinition(
            "SELECT id, template_id IS NOT NULL FROM campaigns WHERE status = 'running' ORDER BY next_dial_at, id", cancellationToken: cancellationToken)), cancellationToken);

    /// <summary>Feeds one call campaign; returns when it next has work that no signal announces (a pace slot, a retry falling due).</summary>
    public Task<DateTimeOffset?> FeedCallsAsync(string campaignId, CancellationToken cancellationToken) =>
        store.WriteAsync(tx => FeedCallsAsync(tx, campaignId), cancellationToken);

    private async Task<DateTimeOffset?> FeedCallsAsync(StoreTransaction tx, string campaignId)
    {
        var campaign = await campaigns.GetAsync(tx, campaignId);
        if (campaign is not { Status: CampaignStatus.Running } || await campaigns.CompleteIfDoneAsync(tx, campaign))
        {
            return null;
        }

        var org = await orgs.GetAsync(tx, campaign.OrgId) ?? throw new InvalidOperationException($"Org {campaign.OrgId} of a campaign is missing");
        var runningHere = await tx.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM campaigns WHERE org_id = @OrgId AND status = 'running' AND agent_id IS NOT NULL", new { campaign.OrgId });
        var fairShare = org.MaxConcurrentCalls <= 1 ? org.MaxConcurrentCalls : Math.Max(1, (org.MaxConcurrentCalls - 1) / Math.Max(1, runningHere));
        var maxInFlight = Math.Min(campaign.MaxConcurrent ?? int.MaxValue, fairShare);
        var inFlight = await tx.ExecuteScalarAsync<int>("SELECT count(*) FROM campaign_members WHERE campaign_id = @Id AND state = 'queued'", new { campaign.Id });
        var ahead = await tx.ExecuteScalarAsync<int>("SELECT count(*) FROM calls WHERE campaign_id = @Id AND status = 'queued'", new { campaign.Id });
        // Room for the look-ahead's calls and as many due ones the dialer has not taken yet.
        var maxAhead = Math.Max(2, 2 * (int)Math.Ceiling(LookAhead / campaign.Interval));
        var window = campaign.DialWindow is null ? null : CallingHours.Parse(campaign.DialWindow);
        // A round that comes late (a busy store) may place the slots it missed, but never more than CatchUp's worth at once.
        var slot = campaign.NextDialAt is { } next && next > tx.Now - CatchUp ? next : tx.Now - CatchUp;
        var horizon = tx.Now + LookAhead;
        var placed = 0;
        var exhausted = false;
        while (inFlight < maxInFlight && ahead < maxAhead && slot <= horizon)
        {
            var member = await tx.QuerySingleOrDefaultAsync<CampaignMember>($"""
                SELECT {CampaignMember.Columns} FROM campaign_members
                WHERE campaign_id = @Id AND state = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= @slot)
                ORDER BY position LIMIT 1
                """, new { campaign.Id, slot });
            if (member is null)
            {
                exhausted = true;
                break;
            }

            var notBefore = slot;
            var outcome = await PlaceAsync(tx, campaign, member, notBefore, window);
            if (outcome is Placement.Paused)
            {
                return null;
            }

            if (outcome is Placement.Queued)
            {
                inFlight++;
                ahead++;
                placed++;
                slot = notBefore + campaign.Interval;
            }
        }

        await tx.ExecuteAsync("UPDATE campaigns SET next_dial_at = @slot WHERE id = @Id", new { slot, campaign.Id });
        if (placed > 0)
        {
            tx.AfterCommit(() => _placed.Add(placed, campaign.Id));
        }

        if (await campaigns.CompleteIfDoneAsync(tx, campaign))
        {
            return null;
        }

        var nextRetry = await tx.ExecuteScalarAsync<DateTimeOffset?>(
            "SELECT min(next_attempt_at) FROM campaign_members WHERE campaign_id = @Id AND state = 'pending' AND next_attempt_at > @slot", new { campaign.Id, slot });
        // A full campaign is woken by a call ending (the settlement signals); otherwise its next slot or retry.
        DateTimeOffset? wake = exhausted || inFlight >= maxInFlight || ahead >= maxAhead ? null : slot - LookAhead;
        // A retry is placed once its time has come (it takes the slot then, like any other member).
        var retryWake = nextRetry;
        return wake is null ? retryWake : retryWake is null || wake < retryWake ? wake : retryWake;
    }

    private enum Placement
    {
        Queued,
        Skipped,
        Paused,
    }

    private async Task<Placement> PlaceAsync(StoreTransaction tx, Campaign campaign, CampaignMember member, DateTimeOffset notBefore, CallingHours? window)
    {
        try
        {
            if (window is not null && member.ContactId is not null
                && await tx.ExecuteScalarAsync<string?>("SELECT phone_e164 FROM contacts WHERE id = @ContactId", new { member.ContactId }) is { } phone)
            {
                notBefore = window.NextAllowed(notBefore, CallingHours.ZonesOf(phone)) ?? notBefore;
            }

            var call = await placement.QueueAsync(tx, campaign.OrgId,
                new CallRequest(campaign.AgentId, null, ContactId: member.ContactId ?? "", NotBefore: notBefore), campaign.Id);
            await tx.ExecuteAsync("""
                UPDATE campaign_members SET state = 'queued', call_id = @callId, attempts = attempts + 1, updated_at = @Now
                WHERE campaign_id = @CampaignId AND position = @Position
                """, new { callId = call.Id, tx.Now, member.CampaignId, member.Position });
            return Placement.Queued;
        }
        catch (ApplianceException refused)
        {
            var pause = refused.Kind == ErrorKind.InsufficientCredits ? CampaignPauseReasons.InsufficientCredits
                : refused.Reason == CallEndReasons.NoActivePlan ? CampaignPauseReasons.NoActivePlan
                : refused.Kind == ErrorKind.NotFound && refused.Param == "agent_id" ? CampaignPauseReasons.AgentDeleted
                : null;
            if (pause is not null)
            {
                await campaigns.PauseAsync(tx, campaign, pause);
                return Placement.Paused;
            }

            var result = refused.Reason switch
            {
                CallEndReasons.OptedOut => MemberResults.OptedOut,
                CallEndReasons.NoConsent => MemberResults.SkippedNoConsent,
                _ when refused.Kind == ErrorKind.NotFound => MemberResults.ContactErased,
                _ when refused.Param == "contact_id" => MemberResults.SkippedNoPhone,
                _ => MemberResults.Failed,
            };
            await MemberEnds.DoneAsync(tx, member, result);
            return Placement.Skipped;
        }
    }
}

/// <summary>Moves a member to its final state.</summary>
internal static class MemberEnds
{
    public static Task DoneAsync(StoreTransaction tx, CampaignMember member, string result) =>
        tx.ExecuteAsync("""
            UPDATE campaign_members SET state = 'done', result = @result, next_attempt_at = NULL, updated_at = @Now
            WHERE campaign_id = @CampaignId AND position = @Position
            """, new { result, tx.Now, member.CampaignId, member.Position });
}
