using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Store;

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

/// <summary>
/// A normalized row of a bulk upsert with its do-not-contact digests and the text a new contact of it stores, all
/// worked out before the write takes the store's writer.
/// </summary>
public sealed record ContactUpsert(ContactInput Input, string VoiceDigest, string? EmailDigest, NewContactText Text)
{
    public static ContactUpsert Hashed(ApplianceStore store, ContactInput normalized) => new(
        normalized,
        DoNotContactList.Digest(store, ContactChannel.Voice, normalized.PhoneE164!),
        normalized.Email is null ? null : DoNotContactList.Digest(store, ContactChannel.Email, normalized.Email),
        NewContactText.Of(normalized));

    public static ContactUpsert Hashed(DoNotContactDigests digests, ContactInput normalized) => new(
        normalized,
        digests.Digest(ContactChannel.Voice, normalized.PhoneE164!),
        normalized.Email is null ? null : digests.Digest(ContactChannel.Email, normalized.Email),
        NewContactText.Of(normalized));
}

/// <summary>What a new contact stores that follows from its normalized fields alone: the name, the address as compared, the metadata as JSON.</summary>
public sealed record NewContactText(string? Name, string? EmailNormalized, string Metadata)
{
    public static NewContactText Of(ContactInput c) => new(
        c.Name ?? JoinName(c.FirstName, c.LastName),
        c.Email is null ? null : EmailAddresses.Normalize(c.Email),
        (c.Metadata ?? []).ToJsonString());

    internal static string? JoinName(string? first, string? last)
    {
        var joined = string.Join(' ', new[] { first, last }.Where(p => !string.IsNullOrWhiteSpace(p)));
        return joined.Length == 0 ? null : joined;
    }
}
