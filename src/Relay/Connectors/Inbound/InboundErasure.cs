using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Relay.Connectors.Inbound;

/// <summary>
/// Erasing a contact drops the raw CRM requests that carry their email address or number (the payload that
/// enrolled them); the inbound log keeps each entry with its verdict and a note, not the payload.
/// </summary>
public sealed class InboundErasure : IContactErasureStep
{
    public Task EraseAsync(StoreTransaction tx, Contact contact) =>
        tx.ExecuteAsync($"""
            UPDATE connector_inbound SET body = NULL, error = coalesce(error, 'payload erased with the contact')
            WHERE org_id = @OrgId AND body IS NOT NULL
              AND ((@Email IS NOT NULL AND {tx.Dialect.Position("lower(body)", "lower(@Email)")} > 0) OR (@PhoneE164 IS NOT NULL AND {tx.Dialect.Position("body", "@PhoneE164")} > 0))
            """, new { contact.OrgId, contact.Email, contact.PhoneE164 });
}
