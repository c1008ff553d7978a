using System.Globalization;
using Cualify.Appliance.Core.Errors;

namespace Cualify.Appliance.Core.Paging;

/// <summary>Parsing of list filters, each failure an invalid request naming the parameter.</summary>
public static class QueryValues
{
    public static DateTimeOffset? Timestamp(string? value, string param)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            ? parsed
            : throw ApplianceException.BadRequest($"{param} must be an ISO 8601 timestamp such as 2026-05-31T14:22:11Z", param);
    }

    public static bool? Boolean(string? value, string param) => value?.ToLowerInvariant() switch
    {
        null or "" => null,
        "true" or "1" => true,
        "false" or "0" => false,
        _ => throw ApplianceException.BadRequest($"{param} must be true or false", param),
    };

    public static string? OneOf(string? value, string param, IReadOnlyCollection<string> allowed)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return allowed.Contains(value)
            ? value
            : throw ApplianceException.BadRequest($"{param} must be one of {string.Join(", ", allowed)}", param);
    }

    /// <summary>Escapes a user string for a <c>LIKE … ESCAPE '\'</c> pattern.</summary>
    public static string LikeContains(string value) =>
        "%" + value.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
}
