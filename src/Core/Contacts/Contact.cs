namespace Cualify.Appliance.Core.Contacts;

/// <summary>A person the org may call or mail, with their consent and opt-out state per channel.</summary>
public sealed class Contact
{
    public string Id { get; init; } = "";

    public string OrgId { get; init; } = "";

    public string? PhoneE164 { get; init; }

    public string? Name { get; init; }

    public string? FirstName { get; init; }

    public string? LastName { get; init; }

    public string? Email { get; init; }

    public string? EmailNormalized { get; init; }

    public string EmailStatus { get; init; } = "deliverable";

    public string? LanguagePref { get; init; }

    public string? Notes { get; init; }

    public string Metadata { get; init; } = "{}";

    public string? ConsentCapture { get; init; }

    public DateTimeOffset? ConsentAt { get; init; }

    public bool OptedOutVoice { get; init; }

    public bool OptedOutEmail { get; init; }

    public DateTimeOffset? OptedOutAt { get; init; }

    public string? OptOutSource { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public bool OptedOut => OptedOutVoice || OptedOutEmail;

    public IReadOnlyList<string> OptedOutChannels =>
        [.. OptedOutVoice ? new[] { ContactChannel.Voice } : [], .. OptedOutEmail ? new[] { ContactChannel.Email } : []];
}

public static class ContactChannel
{
    public const string Voice = "voice";
    public const string Email = "email";
    public const string All = "all";
}

public static class ConsentCapture
{
    public static readonly IReadOnlyList<string> All = ["pre_call", "website_form", "manual", "imported"];
}
