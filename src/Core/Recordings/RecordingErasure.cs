using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Recordings;

/// <summary>Part of a contact's erasure: the recordings of their calls are deleted at once (rows now, files on commit).</summary>
public sealed class RecordingErasure(CallRecordings recordings) : IContactErasureStep
{
    public async Task EraseAsync(StoreTransaction tx, Contact contact)
    {
        var theirs = (await tx.QueryAsync<StoredRecording>("""
            SELECT r.* FROM recordings r JOIN calls c ON c.id = r.call_id
            WHERE r.org_id = @OrgId AND (r.contact_id = @Id OR c.contact_id = @Id OR (c.to_e164 IS NOT NULL AND c.to_e164 = @PhoneE164))
            """, new { contact.OrgId, contact.Id, contact.PhoneE164 })).ToList();
        await recordings.DeleteAsync(tx, theirs);
    }
}
