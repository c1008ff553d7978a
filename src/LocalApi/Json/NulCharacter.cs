using Cualify.Appliance.Core.Errors;

namespace Cualify.Appliance.LocalApi.Json;

/// <summary>
/// Text from a request may not hold U+0000: PostgreSQL's <c>text</c> cannot store it, so it is refused with a
/// 400 naming the field on both stores alike, rather than a 500 on one of them.
/// </summary>
public static class NulCharacter
{
    public static void Refuse(string text, string? path)
    {
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            var what = path is null ? "A value" : path;
            throw ApplianceException.BadRequest($"{what} is not valid text: it holds the NUL character (U+0000)", path);
        }
    }
}
