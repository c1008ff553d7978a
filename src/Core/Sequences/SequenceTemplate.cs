using System.Text.Json;
using Cualify.Appliance.Core.Json;

namespace Cualify.Appliance.Core.Sequences;

/// <summary>
/// One step of a template: what goes out on which channel, how long after the step before it. An email step with a
/// <see cref="Writer"/> is written for each contact at enrollment; its subject and body, when set, are the fallback.
/// </summary>
public sealed record TemplateStep(string Channel, int DelayMinutes, string? Subject, string? Body, string? AgentId, WriterBrief? Writer = null);

/// <summary>A step's <c>writer</c>: what the writer is asked to write, in Liquid over the contact like the body.</summary>
public sealed record WriterBrief(string Instructions);

/// <summary>A language's own subject and body for a step, aligned with the template's steps by position.</summary>
public sealed record StepVariant(string? Subject, string? Body);

public sealed record LanguageVariant(IReadOnlyList<StepVariant> Steps);

/// <summary>A stored sequence template (<c>tpl_…</c>).</summary>
public sealed class SequenceTemplate
{
    public string Id { get; init; } = "";

    public string OrgId { get; init; } = "";

    public string Name { get; init; } = "";

    public string AllowedChannels { get; init; } = "[]";

    public string Steps { get; init; } = "[]";

    public string VariantsByLanguage { get; init; } = "{}";

    public string? SendingWindow { get; init; }

    public bool StopOnReply { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public IReadOnlyList<string> AllowedChannelList => JsonSerializer.Deserialize<string[]>(AllowedChannels, ApplianceJson.Options) ?? [];

    public IReadOnlyList<TemplateStep> StepList => JsonSerializer.Deserialize<TemplateStep[]>(Steps, ApplianceJson.Options) ?? [];

    public IReadOnlyDictionary<string, LanguageVariant> Variants =>
        JsonSerializer.Deserialize<Dictionary<string, LanguageVariant>>(VariantsByLanguage, ApplianceJson.Options) ?? [];

    /// <summary>
    /// The steps in the contact's language: the variant whose key equals <paramref name="languagePref"/>
    /// (case-insensitive), else the one for its primary subtag (<c>es</c> for <c>es-MX</c>), else the base steps.
    /// </summary>
    public (IReadOnlyList<TemplateStep> Steps, string? Language) StepsFor(string? languagePref)
    {
        var steps = StepList;
        if (string.IsNullOrWhiteSpace(languagePref))
        {
            return (steps, null);
        }

        var variants = Variants;
        var wanted = languagePref.Trim();
        var key = variants.Keys.FirstOrDefault(k => string.Equals(k, wanted, StringComparison.OrdinalIgnoreCase))
            ?? variants.Keys.FirstOrDefault(k => string.Equals(k, wanted.Split('-', '_')[0], StringComparison.OrdinalIgnoreCase));
        if (key is null)
        {
            return (steps, null);
        }

        var variant = variants[key];
        var localized = steps.Select((step, i) => i < variant.Steps.Count
            ? step with
            {
                Subject = string.IsNullOrEmpty(variant.Steps[i].Subject) ? step.Subject : variant.Steps[i].Subject,
                Body = string.IsNullOrEmpty(variant.Steps[i].Body) ? step.Body : variant.Steps[i].Body,
            }
            : step).ToList();
        return (localized, key);
    }
}

/// <summary>The contract's template representation.</summary>
public sealed record SequenceTemplateView(
    string Id,
    string Name,
    IReadOnlyList<string> AllowedChannels,
    IReadOnlyList<TemplateStep> Steps,
    IReadOnlyDictionary<string, LanguageVariant> VariantsByLanguage,
    string? SendingWindow,
    bool StopOnReply,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static SequenceTemplateView From(SequenceTemplate t) => new(
        t.Id, t.Name, t.AllowedChannelList, t.StepList, t.Variants, t.SendingWindow, t.StopOnReply, t.CreatedAt, t.UpdatedAt);
}
