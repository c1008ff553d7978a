
using Cualify.Appliance.Core.Paging;

namespace Cualify.Appliance.LocalApi.Json;

/// <summary><c>?limit=&amp;offset=</c>, bound as text so that a bad value names its parameter in the 400.</summary>
public sealed record PageQuery(string? Limit, string? Offset)
{
    public PageRequest ToPage() => PageRequest.Parse(Limit, Offset);
}
