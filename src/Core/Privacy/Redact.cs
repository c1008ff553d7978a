using System.Text.RegularExpressions;

namespace Cualify.Appliance.Core.Privacy;

/// <summary>
/// Masks what must never reach a log in clear: API keys, webhook secrets, phone numbers and email addresses.
/// Applied to every rendered log line, so a careless message template cannot leak them.
/// </summary>
public static partial class Redact
{
    public static string Text(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        text = ApiKey().Replace(text, "cuk_live_${prefix}_…");
        text = StandardWebhookSecret().Replace(text, "whsec_…");
        text = LongHex().Replace(text, "…hex…");
        text = Email().Replace(text, m => $"{m.Groups["first"].Value}***@{m.Groups["domain"].Value}");
        text = Phone().Replace(text, MaskPhone);
        return text;
    }

    /// <summary><c>+919812345678</c> → <c>+91******78</c>.</summary>
    public static string PhoneNumber(string? e164) => e164 is null ? "" : Phone().Replace(e164, MaskPhone);

    private static string MaskPhone(Match match)
    {
        var value = match.Value;
        var digits = new string(value.Where(char.IsAsciiDigit).ToArray());
        if (digits.Length < 7)
        {
            return value;
        }

        return "+" + digits[..2] + new string('*', digits.Length - 4) + digits[^2..];
    }

    [GeneratedRegex(@"cuk_live_(?<prefix>[a-z0-9]{8})_[A-Za-z0-9]{32}")]
    private static partial Regex ApiKey();

    [GeneratedRegex(@"whsec_[A-Za-z0-9+/=]{8,}")]
    private static partial Regex StandardWebhookSecret();

    [GeneratedRegex(@"\b[0-9a-fA-F]{64}\b")]
    private static partial Regex LongHex();

    [GeneratedRegex(@"(?<first>[A-Za-z0-9])[A-Za-z0-9._%+-]*@(?<domain>[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})")]
    private static partial Regex Email();

    [GeneratedRegex(@"\+\d[\d \-().]{5,20}\d")]
    private static partial Regex Phone();
}
