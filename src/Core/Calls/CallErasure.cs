using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Calls;

/// <summary>
/// Part of a contact's erasure: their queued calls are canceled (<c>contact_erased</c>), live ones are hung up,
/// and their number, what was said and the caller's metadata are removed from every call and from the data of
/// earlier <c>call.*</c> events (ids, statuses, durations and charges stay: the ledger needs them).
/// </summary>
public sealed class CallErasure(CallSettlement settlement, CallHangups hangups) : IContactErasureStep
{
    public async Task EraseAsync(StoreTransaction tx, Contact contact)
    {
        var args = new { contact.OrgId, contact.Id, contact.PhoneE164 };
        var open = await tx.QueryAsync<Call>($"""
            SELECT {Call.Columns} FROM calls
            WHERE org_id = @OrgId AND (contact_id = @Id OR to_e164 = @PhoneE164)
              AND status IN ('queued', 'dialing', 'ringing', 'in_progress'){tx.Dialect.ForUpdate}
            """, args);
        foreach (var call in open)
        {
            if (call.Status == CallStatus.Queued)
            {
                await settlement.FinishAsync(tx, call, new CallFinish(CallStatus.Canceled, CallEndReasons.ContactErased, tx.Now));
            }
            else
            {
                hangups.RequestAfterCommit(tx, new HangupRequest(call.Id, CallEndReasons.ContactErased));
            }
        }

        var sql = tx.Dialect;
        // Drops the personal fields and blanks the number and metadata where the event has them (json_replace / jsonb_set without create).
        var erased = sql.IsPostgres
            ? "jsonb_set(jsonb_set(data::jsonb - 'transcript' - 'summary' - 'llm_extracted_intent', '{to_e164}', 'null', false), '{metadata}', '{}', false)::text"
            : "json_replace(json_remove(data, '$.transcript', '$.summary', '$.llm_extracted_intent'), '$.to_e164', NULL, '$.metadata', json('{}'))";
        await tx.ExecuteAsync($"""
            UPDATE events SET data = {erased}
            WHERE org_id = @OrgId AND type LIKE 'call.%'
              AND ({sql.JsonText("data", "contact_id")} = @Id OR {sql.JsonText("data", "to_e164")} = @PhoneE164
                   OR coalesce({sql.JsonText("data", "id")}, {sql.JsonText("data", "call_id")}) IN
                      (SELECT id FROM calls WHERE org_id = @OrgId AND (contact_id = @Id OR to_e164 = @PhoneE164)))
            """, args);
        await tx.ExecuteAsync("""
            UPDATE calls SET to_e164 = NULL, transcript = NULL, metadata = '{}', llm_extracted_intent = NULL, summary = NULL, updated_at = @Now
            WHERE org_id = @OrgId AND (contact_id = @Id OR to_e164 = @PhoneE164)
            """, new { contact.OrgId, contact.Id, contact.PhoneE164, tx.Now });
    }
}
