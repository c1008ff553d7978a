using System.ComponentModel.DataAnnotations;

namespace Cualify.Appliance.Core.Sequences;

/// <summary>
/// <c>Mailer:DefaultTimeZone</c>: the zone a contact's sending window is read in when their number does not
/// give one (no number, or a number without a known zone). The machine's own zone when unset.
/// </summary>
public sealed class SendingWindowOptions : IValidatableObject
{
    public const string Section = "Mailer";

    public string? DefaultTimeZone { get; set; }

    public TimeZoneInfo DefaultZone =>
        string.IsNullOrWhiteSpace(DefaultTimeZone) ? TimeZoneInfo.Local : TimeZoneInfo.FindSystemTimeZoneById(DefaultTimeZone.Trim());

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(DefaultTimeZone) && !TimeZoneInfo.TryFindSystemTimeZoneById(DefaultTimeZone.Trim(), out _))
        {
            yield return new ValidationResult(
                $"Mailer:DefaultTimeZone '{DefaultTimeZone}' is not a time zone this machine knows; use an IANA id such as Asia/Kolkata",
                [nameof(DefaultTimeZone)]);
        }
    }
}
