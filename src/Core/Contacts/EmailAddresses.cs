using System.Net.Mail;

namespace Cualify.Appliance.Core.Contacts;

/// <summary>Email address checks: one plain address with a dotted domain, compared case-insensitively.</summary>
public static class EmailAddresses
{
    public static bool IsValid(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > 254 || value.Trim() != value)
        {
            return false;
        }

        if (!MailAddress.TryCreate(value, out var address) || address.Address != value || !string.IsNullOrEmpty(address.DisplayName))
        {
            return false;
        }

        var host = address.Host;
        return host.Contains('.') && !host.StartsWith('.') && !host.EndsWith('.') && !host.Contains("..");
    }

    public static string Normalize(string value) => value.Trim().ToLowerInvariant();
}
