using Cualify.Appliance.Core.Paging;
using Cualify.Appliance.Core.Sequences;
using Microsoft.AspNetCore.Mvc;

namespace Cualify.Appliance.LocalApi.Sequences;

/// <summary>The answer of <c>sequences/start</c>.</summary>
public sealed record SequenceStartView(string EnrollmentId, string ContactId, string TemplateId, string Status)
{
    public static SequenceStartView From(SequenceStartResult result) => new(result.EnrollmentId, result.ContactId, result.TemplateId, result.Status);
}

public sealed record ListTemplatesQuery([property: FromQuery(Name = "limit")] string? Limit, [property: FromQuery(Name = "offset")] string? Offset)
{
    public PageRequest ToPage() => PageRequest.Parse(Limit, Offset);
}
