using System.ComponentModel.DataAnnotations;
using Cualify.Appliance.Core.Contacts;

namespace Cualify.Appliance.Mailer;

/// <summary>One sending mailbox: its address, display name, caps, and (optionally) its own SMTP login.</summary>
public sealed class MailboxOptions
{
    public string Address { get; set; } = "";

    public string? DisplayName { get; set; }

    public int HourlyLimit { get; set; } = 200;

    public int DailyLimit { get; set; } = 1000;

    /// <summary>SMTP login of this mailbox when it differs from <c>Mailer:Smtp:Username</c>.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    internal void Validate(string prefix, List<ValidationResult> results)
    {
        if (!EmailAddresses.IsValid(Address))
        {
            results.Add(new ValidationResult($"{prefix}:Address must be an email address such as sales@example.com", [nameof(Address)]));
        }

        if (HourlyLimit < 1 || DailyLimit < 1)
        {
            results.Add(new ValidationResult($"{prefix}:HourlyLimit and {prefix}:DailyLimit must be 1 or more", [nameof(HourlyLimit)]));
        }
    }
}
