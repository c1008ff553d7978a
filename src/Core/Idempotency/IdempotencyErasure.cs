using System.Text.Json;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Secrets;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Idempotency;

/// <summary>
/// Part of a contact's erasure: remembered responses that name the contact (its id, number or address) are
/// replaced by <c>{"data":{"id":…,"erased":true}}</c> with the original status. The key stays used, so a
/// repeat neither creates the person again nor answers with their data.
/// </summary>
public sealed class IdempotencyErasure(SecretProtector protector) : IContactErasureStep
{
    private sealed record Stored(string IdempotencyKey, string ResponseBody);

    public async Task EraseAsync(StoreTransaction tx, Contact contact)
    {
        var stored = await tx.QueryAsync<Stored>(
            "SELECT idempotency_key, response_body FROM idempotency_keys WHERE org_id = @OrgId AND response_body IS NOT NULL",
            new { contact.OrgId });
        var erased = protector.Protect(JsonSerializer.Serialize(new { data = new { id = contact.Id, erased = true } }));
        foreach (var row in stored)
        {
            if (Names(protector.Unprotect(row.ResponseBody), contact))
            {
                await tx.ExecuteAsync(
                    "UPDATE idempotency_keys SET response_body = @erased WHERE org_id = @OrgId AND idempotency_key = @IdempotencyKey",
                    new { erased, contact.OrgId, row.IdempotencyKey });
            }
        }
    }

    private static bool Names(string body, Contact contact) =>
        body.Contains(contact.Id, StringComparison.Ordinal)
        || (contact.PhoneE164 is { } phone && body.Contains(phone[1..], StringComparison.Ordinal))
        || (contact.Email is { } email && (body.Contains(email, StringComparison.OrdinalIgnoreCase)
                                           || body.Contains(JsonSerializer.Serialize(email).Trim('"'), StringComparison.OrdinalIgnoreCase)));
}
