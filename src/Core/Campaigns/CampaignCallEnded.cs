using System.Text.Json;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Campaigns;

/// <summary>
/// The end of a campaign's call, recorded on its member in the transaction that settles the call: a <c>busy</c>
/// or <c>no_answer</c> listed in <c>retry.on</c> with attempts left waits <c>retry.after_minutes</c> and is tried
/// again (the dialer's daily attempt cap still applies); anything else is the member's result. A call the dialer
/// refused for want of credits, an active plan or its playbook was never dialed: its member goes back to pending
/// (the attempt not counted) and the campaign pauses with the reason. The campaign completes with its last member.
/// </summary>
public sealed class CampaignCallEnded(CampaignTransitions campaigns, CampaignSignal signal) : ICallEndedStep
{
    public async Task CallEndedAsync(StoreTransaction tx, Call ended)
    {
        if (ended.CampaignId is null)
        {
            return;
        }

        var member = await tx.QuerySingleOrDefaultAsync<CampaignMember>(
            $"SELECT {CampaignMember.Columns} FROM campaign_members WHERE campaign_id = @CampaignId AND call_id = @Id AND state = 'queued'",
            new { ended.CampaignId, ended.Id });
        var campaign = await campaigns.GetAsync(tx, ended.CampaignId);
        if (member is null || campaign is null)
        {
            return;
        }

        tx.AfterCommit(signal.Notify);
        var pause = ended.StartedAt is not null ? null : ended.EndReason switch
        {
            CallEndReasons.InsufficientCredits => CampaignPauseReasons.InsufficientCredits,
            CallEndReasons.NoActivePlan => CampaignPauseReasons.NoActivePlan,
            CallEndReasons.AgentDeleted => CampaignPauseReasons.AgentDeleted,
            _ => null,
        };
        if (pause is not null)
        {
            await tx.ExecuteAsync("""
                UPDATE campaign_members SET state = 'pending', call_id = NULL, attempts = attempts - 1, updated_at = @Now
                WHERE campaign_id = @CampaignId AND position = @Position
                """, new { tx.Now, member.CampaignId, member.Position });
            if (campaign.Status == CampaignStatus.Running)
            {
                await campaigns.PauseAsync(tx, campaign, pause);
            }

            return;
        }

        var retryOn = JsonSerializer.Deserialize<string[]>(campaign.RetryOn) ?? [];
        var open = campaign.Status is CampaignStatus.Running or CampaignStatus.Paused;
        if (ended.StartedAt is not null && open && retryOn.Contains(ended.Status) && member.Attempts < campaign.MaxAttempts)
        {
            await tx.ExecuteAsync("""
                UPDATE campaign_members SET state = 'pending', result = @Status, next_attempt_at = @at, updated_at = @Now
                WHERE campaign_id = @CampaignId AND position = @Position
                """, new { ended.Status, at = (ended.EndedAt ?? tx.Now) + TimeSpan.FromMinutes(campaign.RetryAfterMinutes), tx.Now, member.CampaignId, member.Position });
            return;
        }

        await MemberEnds.DoneAsync(tx, member, ResultOf(ended));
        await campaigns.CompleteIfDoneAsync(tx, campaign);
    }

    private static string ResultOf(Call ended) => ended.Status switch
    {
        CallStatus.Completed => ended.Outcome == CallOutcomes.OptedOut ? MemberResults.OptedOut : MemberResults.Completed,
        CallStatus.Busy => MemberResults.Busy,
        CallStatus.NoAnswer => MemberResults.NoAnswer,
        CallStatus.Canceled => MemberResults.Canceled,
        _ => ended.EndReason switch
        {
            CallEndReasons.OptedOut => MemberResults.OptedOut,
            CallEndReasons.NoConsent => MemberResults.SkippedNoConsent,
            CallEndReasons.ContactErased => MemberResults.ContactErased,
            _ => MemberResults.Failed,
        },
    };
}
