using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.AdminNotices;

/// <summary>
/// Part of a contact's erasure: notices about them (review requests quote their name, address, number and the
/// rendered mail) are deleted, sent or not. Notices queued before they named their contact are found by the
/// number or address in their text.
/// </summary>
public sealed class AdminNoticeErasure : IContactErasureStep
{
    public Task EraseAsync(StoreTransaction tx, Contact contact) =>
        tx.ExecuteAsync($"""
            DELETE FROM admin_notices
            WHERE org_id = @OrgId AND (contact_id = @Id
               OR (@PhoneE164 IS NOT NULL AND ({tx.Dialect.Position("body", "@PhoneE164")} > 0 OR {tx.Dialect.Position("subject", "@PhoneE164")} > 0))
               OR (@Email IS NOT NULL AND ({tx.Dialect.Position("lower(body)", "lower(@Email)")} > 0 OR {tx.Dialect.Position("lower(subject)", "lower(@Email)")} > 0)))
            """, new { contact.OrgId, contact.Id, contact.PhoneE164, contact.Email });
}
