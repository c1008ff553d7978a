using Cualify.Appliance.Core.Paging;
using Cualify.Appliance.Core.Sequences;

namespace Cualify.Appliance.LocalApi.Sequences;

/// <summary>The answer of <c>sequences/start</c>.</summary>
public sealed record SequenceStartView(string EnrollmentId, string ContactId, string TemplateId, string Status)
{
    public static SequenceStartView From(SequenceStartResult result) => new(result.EnrollmentId, result.ContactId, result.TemplateId, result.Status);
}

public sealed record ListTemplatesQuery(string? Limit, string? Offset)
{
    public PageRequest ToPage() => PageRequest.Parse(Limit, Offset);
}
