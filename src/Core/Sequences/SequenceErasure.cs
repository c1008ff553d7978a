using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Sequences;

/// <summary>
/// A contact's erasure reaches their sequences: enrollments, their rendered steps and the inbound mail
/// recorded against those steps go, and the
/// <c>email.*</c> and <c>sequence.*</c> events about them keep only ids.
/// </summary>
public sealed class SequenceErasure : IContactErasureStep
{
    public async Task EraseAsync(StoreTransaction tx, Contact contact)
    {
        var sql = tx.Dialect;
        await tx.ExecuteAsync($"""
            UPDATE events SET data = {sql.JsonObject(("enrollment_id", sql.JsonText("data", "enrollment_id")), ("contact_id", "@Id"), ("erased", sql.JsonTrue))}
            WHERE org_id = @OrgId AND (type LIKE 'email.%' OR type LIKE 'sequence.%') AND {sql.JsonText("data", "contact_id")} = @Id
            """, new { contact.Id, contact.OrgId });
        await tx.ExecuteAsync("""
            DELETE FROM inbound_mail WHERE step_id IN (
                SELECT s.id FROM sequence_steps s JOIN sequence_enrollments e ON e.id = s.enrollment_id WHERE e.contact_id = @Id)
            """, new { contact.Id });
        await tx.ExecuteAsync("DELETE FROM sequence_enrollments WHERE contact_id = @Id", new { contact.Id });
    }
}
