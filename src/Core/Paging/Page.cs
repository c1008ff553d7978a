using System.Globalization;
using Cualify.Appliance.Core.Errors;

namespace Cualify.Appliance.Core.Paging;

/// <summary>A requested slice of a newest-first list.</summary>
public readonly record struct PageRequest(int Limit, int Offset)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 100;

    public static PageRequest Default => new(DefaultLimit, 0);

    /// <summary>Parses the query values, failing with an invalid request that names the parameter.</summary>
    public static PageRequest Parse(string? limit, string? offset)
    {
        var parsedLimit = DefaultLimit;
        if (!string.IsNullOrEmpty(limit) &&
            (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out parsedLimit) || parsedLimit is < 1 or > MaxLimit))
        {
            throw ApplianceException.BadRequest($"limit must be an integer from 1 to {MaxLimit}", "limit");
        }

        var parsedOffset = 0;
        if (!string.IsNullOrEmpty(offset) &&
            !int.TryParse(offset, NumberStyles.None, CultureInfo.InvariantCulture, out parsedOffset))
        {
            throw ApplianceException.BadRequest("offset must be an integer of 0 or more", "offset");
        }

        return new PageRequest(parsedLimit, parsedOffset);
    }
}

/// <summary>A page of results with the total the filter matches.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, PageRequest Request, long Total)
{
    public bool HasMore => Request.Offset + Items.Count < Total;

    public Page<TOut> Map<TOut>(Func<T, TOut> map) => new(Items.Select(map).ToList(), Request, Total);
}
