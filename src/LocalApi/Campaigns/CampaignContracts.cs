using Cualify.Appliance.Core.Campaigns;
using Cualify.Appliance.Core.Paging;
using Microsoft.AspNetCore.Mvc;

namespace Cualify.Appliance.LocalApi.Campaigns;

/// <summary><c>GET /campaigns</c> query, bound as text so that a bad value names its parameter in the 400.</summary>
public sealed record ListCampaignsQuery(
    [property: FromQuery(Name = "limit")] string? Limit,
    [property: FromQuery(Name = "offset")] string? Offset,
    [property: FromQuery(Name = "status")] string? Status)
{
    public PageRequest ToPage() => PageRequest.Parse(Limit, Offset);

    public string? ToStatus() => QueryValues.OneOf(Status, "status", [.. CampaignStatus.All]);
}
