using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Errors;

namespace Cualify.Appliance.Core.Sequences;

/// <summary>A <c>sequences/start</c> body that passed its checks: numbers in E.164, addresses valid.</summary>
public sealed record StartRequest(
    string TemplateId,
    SequenceStartContact Contact,
    string? PrimaryEmail,
    IReadOnlyList<string> Phones,
    string? IdempotencyKey);

public static class StartRequestRules
{
    public static StartRequest Validate(SequenceStartInput input)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrWhiteSpace(input.TemplateId))
        {
            errors.Add("template_id", "template_id is required, e.g. tpl_0197…");
        }

        if (input.IdempotencyKey is { Length: > 255 } || input.IdempotencyKey is { Length: 0 })
        {
            errors.Add("idempotency_key", "idempotency_key must be 1 to 255 characters");
        }

        var contact = input.Contact;
        var emails = new List<string>();
        var phones = new List<string>();
        if (contact is null)
        {
            errors.Add("contact", "contact is required: {first_name, emails[], phone_numbers[], notes?, language_pref?}");
        }
        else
        {
            if (string.IsNullOrWhiteSpace(contact.FirstName))
            {
                errors.Add("contact.first_name", "contact.first_name is required");
            }

            foreach (var (email, i) in (contact.Emails ?? []).Select((e, i) => (e?.Trim(), i)))
            {
                if (!EmailAddresses.IsValid(email))
                {
                    errors.Add($"contact.emails[{i}]", $"contact.emails[{i}] must be a valid address, e.g. maria@example.com");
                }
                else
                {
                    emails.Add(email!);
                }
            }

            foreach (var (phone, i) in (contact.PhoneNumbers ?? []).Select((p, i) => (p, i)))
            {
                if (PhoneNumberRules.ToE164(phone) is { } e164)
                {
                    phones.Add(e164);
                }
                else
                {
                    errors.Add($"contact.phone_numbers[{i}]", PhoneNumberRules.InvalidMessage($"contact.phone_numbers[{i}]"));
                }
            }

            if ((contact.Emails ?? []).Count == 0 && (contact.PhoneNumbers ?? []).Count == 0)
            {
                errors.Add("contact", "contact needs at least one of emails[] or phone_numbers[]");
            }

            CheckContactFields(errors, contact);
        }

        errors.ThrowIfAny();
        return new StartRequest(input.TemplateId!.Trim(), contact!, emails.FirstOrDefault(), phones.Distinct().ToList(), input.IdempotencyKey);
    }

    private static void CheckContactFields(FieldErrors errors, SequenceStartContact contact)
    {
        // The contact fields follow the same rules as POST /contacts; reuse them and rename the fields.
        try
        {
            ContactNormalizer.Normalize(new ContactInput(null, null, contact.FirstName, contact.LastName, null,
                contact.LanguagePref, contact.Notes, contact.Metadata, contact.ConsentCapture), phoneRequired: false);
        }
        catch (ApplianceException ex) when (ex.Details?["fieldErrors"] is Dictionary<string, string[]> fields)
        {
            foreach (var (field, messages) in fields)
            {
                foreach (var message in messages)
                {
                    errors.Add($"contact.{field}", $"contact.{message}");
                }
            }
        }
    }
}
