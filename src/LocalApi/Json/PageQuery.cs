using Cualify.Appliance.Core.Paging;
using Microsoft.AspNetCore.Mvc;

namespace Cualify.Appliance.LocalApi.Json;

/// <summary><c>?limit=&amp;offset=</c>, bound as text so that a bad value names its parameter in the 400.</summary>
public sealed record PageQuery([property: FromQuery(Name = "limit")] string? Limit, [property: FromQuery(Name = "offset")] string? Offset)
{
    public PageRequest ToPage() => PageRequest.Parse(Limit, Offset);
}
