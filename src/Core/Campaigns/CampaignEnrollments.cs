using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Sequences;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Campaigns;

/// <summary>
/// A sequence campaign's hopper: it enrolls the next contacts at the campaign's pace through
/// <see cref="SequenceStarter"/> (auto-approved: the operator approved the list by starting the campaign), each with
/// the idempotency key <c>campaign:&lt;id&gt;:&lt;position&gt;</c>. The enrollment and the member's result are two
/// writes; a crash between them repeats the start with the same key, which returns the same enrollment, so each
/// contact is enrolled once whatever happens.
/// </summary>
public sealed class CampaignEnrollments(ApplianceStore store, CampaignTransitions campaigns, ContactStore contacts, SequenceStarter starter)
{
    private sealed record Due(Campaign? Campaign, CampaignMember? Member, DateTimeOffset Slot);

    /// <summary>Enrolls the members due by the campaign's pace; returns when the next one is due.</summary>
    public async Task<DateTimeOffset?> FeedAsync(string campaignId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var due = await store.WriteAsync(async tx =>
            {
                var campaign = await campaigns.GetAsync(tx, campaignId);
                if (campaign is not { Status: CampaignStatus.Running } || await campaigns.CompleteIfDoneAsync(tx, campaign))
                {
                    return new Due(null, null, tx.Now);
                }

                var slot = campaign.NextDialAt is { } next && next > tx.Now ? next : tx.Now;
                var member = slot > tx.Now ? null : await tx.QuerySingleOrDefaultAsync<CampaignMember>(
                    $"SELECT {CampaignMember.Columns} FROM campaign_members WHERE campaign_id = @Id AND state = 'pending' ORDER BY position LIMIT 1", new { campaign.Id });
                return new Due(campaign, member, slot);
            }, cancellationToken);
            if (due.Campaign is null)
            {
                return null;
            }

            if (due.Member is null)
            {
                return due.Slot;
            }

            await EnrollAsync(due.Campaign, due.Member, due.Slot, cancellationToken);
        }
    }

    private async Task EnrollAsync(Campaign campaign, CampaignMember member, DateTimeOffset slot, CancellationToken cancellationToken)
    {
        string result;
        string? enrollmentId = null;
        var contact = member.ContactId is null ? null : await contacts.GetAsync(campaign.OrgId, member.ContactId, cancellationToken);
        if (contact is null)
        {
            result = MemberResults.ContactErased;
        }
        else if (contact.OptedOutVoice && contact.OptedOutEmail)
        {
            result = MemberResults.OptedOut;
        }
        else
        {
            try
            {
                var started = await starter.StartAsync(campaign.OrgId, new SequenceStartInput(campaign.TemplateId,
                    new SequenceStartContact(contact.FirstName ?? contact.Name, contact.LastName, contact.Email is null ? [] : [contact.Email],
                        contact.PhoneE164 is null ? [] : [contact.PhoneE164], null, contact.LanguagePref, contact.ConsentCapture, null),
                    AutoApprove: true, IdempotencyKey: $"campaign:{campaign.Id}:{member.Position}"), cancellationToken);
                result = MemberResults.Enrolled;
                enrollmentId = started.EnrollmentId;
            }
            catch (ApplianceException ex) when (ex.Kind == ErrorKind.NotFound && ex.Param == "template_id")
            {
                await store.WriteAsync(async tx =>
                {
                    var current = await campaigns.GetAsync(tx, campaign.Id);
                    if (current is { Status: CampaignStatus.Running })
                    {
                        await campaigns.PauseAsync(tx, current, CampaignPauseReasons.TemplateUnusable);
                    }
                }, cancellationToken);
                return;
            }
            catch (ApplianceException ex) when (ex.Kind is ErrorKind.Validation or ErrorKind.Invalid or ErrorKind.Forbidden)
            {
                result = MemberResults.EnrollmentFailed;
            }
        }

        await store.WriteAsync(async tx =>
        {
            await tx.ExecuteAsync("""
                UPDATE campaign_members SET state = 'done', result = @result, enrollment_id = @enrollmentId, attempts = attempts + 1, updated_at = @Now
                WHERE campaign_id = @CampaignId AND position = @Position AND state = 'pending'
                """, new { result, enrollmentId, tx.Now, member.CampaignId, member.Position });
            await tx.ExecuteAsync("UPDATE campaigns SET next_dial_at = @next WHERE id = @Id", new { next = slot + campaign.Interval, campaign.Id });
        }, cancellationToken);
    }
}
