using System.Text.Json;
using Cualify.Appliance.Core.Json;

namespace Cualify.Appliance.Core.Contacts;

/// <summary>The contract's contact representation, used by API responses and by <c>contact.*</c> event data alike.</summary>
public sealed record ContactView(
    string Id,
    string? PhoneE164,
    string? Name,
    string? FirstName,
    string? LastName,
    string? Email,
    string? LanguagePref,
    string? Notes,
    JsonElement Metadata,
    string? ConsentCapture,
    DateTimeOffset? ConsentAt,
    bool OptedOut,
    IReadOnlyList<string> OptedOutChannels,
    string EmailStatus,
    DateTimeOffset UpdatedAt,
    DateTimeOffset CreatedAt)
{
    public static ContactView From(Contact c) => new(
        c.Id, c.PhoneE164, c.Name, c.FirstName, c.LastName, c.Email, c.LanguagePref, c.Notes,
        ApplianceJson.Element(c.Metadata), c.ConsentCapture, c.ConsentAt, c.OptedOut, c.OptedOutChannels,
        c.EmailStatus, c.UpdatedAt, c.CreatedAt);
}
