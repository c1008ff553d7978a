using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Paging;
using Microsoft.AspNetCore.Mvc;

namespace Cualify.Appliance.LocalApi.Contacts;

public sealed record OptOutRequest(string? Channel, string? Source);

public sealed record ListContactsQuery(
    [property: FromQuery(Name = "limit")] string? Limit,
    [property: FromQuery(Name = "offset")] string? Offset,
    [property: FromQuery(Name = "consent_capture")] string? ConsentCapture,
    [property: FromQuery(Name = "opted_out")] string? OptedOut,
    [property: FromQuery(Name = "search")] string? Search,
    [property: FromQuery(Name = "created_after")] string? CreatedAfter,
    [property: FromQuery(Name = "created_before")] string? CreatedBefore)
{
    public PageRequest ToPage() => PageRequest.Parse(Limit, Offset);

    public ContactFilter ToFilter() => new(
        QueryValues.OneOf(ConsentCapture, "consent_capture", [.. Core.Contacts.ConsentCapture.All]),
        QueryValues.Boolean(OptedOut, "opted_out"),
        Search,
        QueryValues.Timestamp(CreatedAfter, "created_after"),
        QueryValues.Timestamp(CreatedBefore, "created_before"));
}

public sealed record DeletedView(string Id, bool Deleted);
