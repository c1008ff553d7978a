
using Cualify.Appliance.Core.Paging;

namespace Cualify.Appliance.LocalApi.Json;

/// <summary><c>{"data": …}</c>: the shape of every single-resource response.</summary>
public sealed record DataOf<T>(T Data);

/// <summary><c>{"data":[…],"pagination":{…}}</c>: the shape of every list.</summary>
public sealed record ListOf<T>(IReadOnlyList<T> Data, Pagination Pagination)
{
    public static ListOf<T> From(Page<T> page) =>
        new(page.Items, new Pagination(page.Request.Limit, page.Request.Offset, page.Total, page.HasMore));
}

public sealed record Pagination(int Limit, int Offset, long Total, bool HasMore);

public static class Envelopes
{
    public static DataOf<T> Wrap<T>(T value) => new(value);
}
