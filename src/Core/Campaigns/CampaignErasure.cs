using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Campaigns;

/// <summary>Part of a contact's erasure: the contact leaves every import's list, and campaigns that had not yet reached it never will.</summary>
public sealed class CampaignErasure : IContactErasureStep
{
    public async Task EraseAsync(StoreTransaction tx, Contact contact)
    {
        // Through the org's imports: the row list is keyed (import_id, contact_id) and has no index by contact.
        await tx.ExecuteAsync("""
            DELETE FROM contact_import_rows WHERE import_id IN (SELECT id FROM contact_imports WHERE org_id = @OrgId) AND contact_id = @Id
            """, new { contact.OrgId, contact.Id });
        await tx.ExecuteAsync("""
            UPDATE campaign_members SET state = CASE WHEN state = 'pending' THEN 'done' ELSE state END,
                result = CASE WHEN state = 'pending' THEN 'contact_erased' ELSE result END, contact_id = NULL, updated_at = @Now
            WHERE contact_id = @Id
            """, new { contact.Id, tx.Now });
    }
}
