using System.Text.Json.Nodes;

namespace Cualify.Appliance.Core.Contacts;

/// <summary>Fields of a contact upsert; null means "leave as it is".</summary>
public sealed record ContactInput(
    string? PhoneE164,
    string? Name = null,
    string? FirstName = null,
    string? LastName = null,
    string? Email = null,
    string? LanguagePref = null,
    string? Notes = null,
    JsonObject? Metadata = null,
    string? ConsentCapture = null);

public sealed record ContactFilter(
    string? ConsentCapture = null,
    bool? OptedOut = null,
    string? Search = null,
    DateTimeOffset? CreatedAfter = null,
    DateTimeOffset? CreatedBefore = null);

/// <param name="Changed">For an existing contact: whether the upsert changed any field.</param>
public sealed record UpsertResult(Contact Contact, bool Created, bool Changed = true);
