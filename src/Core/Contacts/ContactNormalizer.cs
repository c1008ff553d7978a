using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Errors;

namespace Cualify.Appliance.Core.Contacts;

/// <summary>A contact input after validation: E.164 number, checked address, known consent value.</summary>
public sealed record NormalizedContact(
    string? PhoneE164,
    string? Name,
    string? FirstName,
    string? LastName,
    string? Email,
    string? LanguagePref,
    string? Notes,
    JsonObject? Metadata,
    string? ConsentCapture);

public static class ContactNormalizer
{
    /// <summary>Validates every field at once and throws one validation failure naming each bad field.</summary>
    public static NormalizedContact Normalize(ContactInput input, bool phoneRequired)
    {
        var errors = new FieldErrors();
        string? phone = null;
        if (input.PhoneE164 is null)
        {
            if (phoneRequired)
            {
                errors.Add("phone_e164", PhoneNumberRules.InvalidMessage("phone_e164"));
            }
        }
        else if ((phone = PhoneNumberRules.ToE164(input.PhoneE164)) is null)
        {
            errors.Add("phone_e164", PhoneNumberRules.InvalidMessage("phone_e164"));
        }

        var email = string.IsNullOrWhiteSpace(input.Email) ? null : input.Email.Trim();
        if (email is not null && !EmailAddresses.IsValid(email))
        {
            errors.Add("email", "email must be a valid address, e.g. riya@example.com");
        }

        if (input.ConsentCapture is not null && !ConsentCapture.All.Contains(input.ConsentCapture))
        {
            errors.Add("consent_capture", "consent_capture must be one of pre_call, website_form, manual, imported");
        }

        CheckLength(errors, "name", input.Name, 200);
        CheckLength(errors, "first_name", input.FirstName, 100);
        CheckLength(errors, "last_name", input.LastName, 100);
        CheckLength(errors, "language_pref", input.LanguagePref, 35);
        CheckLength(errors, "notes", input.Notes, 20_000);
        if (input.Metadata is not null && input.Metadata.ToJsonString().Length > 16_384)
        {
            errors.Add("metadata", "metadata must be at most 16 KiB of JSON");
        }

        errors.ThrowIfAny();
        return new NormalizedContact(phone, Trim(input.Name), Trim(input.FirstName), Trim(input.LastName), email,
            Trim(input.LanguagePref), input.Notes, input.Metadata, input.ConsentCapture);
    }

    private static void CheckLength(FieldErrors errors, string field, string? value, int max)
    {
        if (value is not null && value.Length > max)
        {
            errors.Add(field, $"{field} must be at most {max} characters");
        }
    }

    private static string? Trim(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
