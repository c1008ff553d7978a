using System.Text.RegularExpressions;
using Cronos;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Errors;

namespace Cualify.Appliance.Core.Sequences;

/// <summary>A template as a caller sends it; on PATCH, null means "keep what is stored".</summary>
public sealed record TemplateInput(
    string? Name,
    IReadOnlyList<string>? AllowedChannels,
    IReadOnlyList<TemplateStepInput>? Steps,
    IReadOnlyDictionary<string, LanguageVariant>? VariantsByLanguage,
    string? SendingWindow,
    bool? StopOnReply);

public sealed record TemplateStepInput(string? Channel, int? DelayMinutes, string? Subject, string? Body, string? AgentId, WriterBriefInput? Writer = null);

public sealed record WriterBriefInput(string? Instructions);

/// <summary>A template that passed every rule, ready to store.</summary>
public sealed record TemplateDefinition(
    string Name,
    IReadOnlyList<string> AllowedChannels,
    IReadOnlyList<TemplateStep> Steps,
    IReadOnlyDictionary<string, LanguageVariant> VariantsByLanguage,
    string? SendingWindow,
    bool StopOnReply);

/// <summary>
/// The rules a template must meet when saved, all reported at once as one validation failure: channels, delays, the sending
/// window's cron, and every Liquid subject, body and writer's instructions, each error naming the step and the line and column.
/// </summary>
public static partial class TemplateRules
{
    public const int MaxSteps = 20;
    public const int MaxDelayMinutes = 525_600;
    public const int MaxInstructionsChars = 20_000;
    private static readonly string[] Channels = [ContactChannel.Email, ContactChannel.Voice];

    public static TemplateDefinition Validate(TemplateInput input, SequenceTemplate? existing = null)
    {
        var errors = new FieldErrors();
        var name = input.Name?.Trim() ?? existing?.Name;
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            errors.Add("name", "name must be 1 to 200 characters");
        }

        var allowed = input.AllowedChannels?.Select(c => c?.Trim().ToLowerInvariant() ?? "").ToList() ?? existing?.AllowedChannelList.ToList();
        if (allowed is null || allowed.Count == 0)
        {
            errors.Add("allowed_channels", "allowed_channels must list at least one of email, voice");
            allowed = [];
        }
        else if (allowed.Any(c => !Channels.Contains(c)) || allowed.Distinct().Count() != allowed.Count)
        {
            errors.Add("allowed_channels", "allowed_channels may hold only email and voice, each once");
        }

        var steps = input.Steps is null ? existing?.StepList.ToList() : CheckSteps(input.Steps, allowed, errors);
        if (steps is null)
        {
            errors.Add("steps", "steps must list at least one step");
            steps = [];
        }
        else if (input.Steps is null)
        {
            foreach (var (step, i) in steps.Select((s, i) => (s, i)).Where(p => !allowed.Contains(p.s.Channel)))
            {
                errors.Add($"steps[{i}].channel", $"steps[{i}].channel is {step.Channel}, which is not in allowed_channels");
            }
        }

        var variants = input.VariantsByLanguage is null
            ? existing?.Variants ?? new Dictionary<string, LanguageVariant>()
            : CheckVariants(input.VariantsByLanguage, steps, errors);

        var window = input.SendingWindow is null ? existing?.SendingWindow : input.SendingWindow.Trim();
        if (window is { Length: 0 })
        {
            window = null;
        }

        if (window is not null && !SendingWindow.IsValid(window))
        {
            errors.Add("sending_window", "sending_window must be a 5-field cron expression of the minutes mail may leave that opens at some time, e.g. * 9-17 * * 1-5");
        }

        errors.ThrowIfAny();
        return new TemplateDefinition(name!, allowed, steps, variants, window, input.StopOnReply ?? existing?.StopOnReply ?? true);
    }

    private static List<TemplateStep> CheckSteps(IReadOnlyList<TemplateStepInput> input, IReadOnlyList<string> allowed, FieldErrors errors)
    {
        if (input.Count is 0 or > MaxSteps)
        {
            errors.Add("steps", $"steps must hold 1 to {MaxSteps} steps");
        }

        var steps = new List<TemplateStep>();
        var firstEmail = true;
        for (var i = 0; i < input.Count; i++)
        {
            var step = input[i];
            var field = $"steps[{i}]";
            if (step is null)
            {
                errors.Add(field, $"{field} must be an object");
                continue;
            }

            var channel = step.Channel?.Trim().ToLowerInvariant() ?? "";
            if (!Channels.Contains(channel))
            {
                errors.Add($"{field}.channel", $"{field}.channel must be email or voice");
            }
            else if (!allowed.Contains(channel))
            {
                errors.Add($"{field}.channel", $"{field}.channel is {channel}, which is not in allowed_channels");
            }

            if (step.DelayMinutes is < 0 or > MaxDelayMinutes)
            {
                errors.Add($"{field}.delay_minutes", $"{field}.delay_minutes must be from 0 to {MaxDelayMinutes}");
            }

            var writer = CheckWriter(errors, field, step.Writer, channel);
            if (channel == ContactChannel.Email)
            {
                if (firstEmail && writer is null && string.IsNullOrWhiteSpace(step.Subject))
                {
                    errors.Add($"{field}.subject", $"{field}.subject is required on the first email step without a writer (follow-ups may leave it empty to reply as 'Re: …')");
                }

                if (writer is null && string.IsNullOrWhiteSpace(step.Body))
                {
                    errors.Add($"{field}.body", $"{field}.body is required on an email step without a writer");
                }

                firstEmail = false;
            }
            else if (channel == ContactChannel.Voice && string.IsNullOrWhiteSpace(step.AgentId))
            {
                errors.Add($"{field}.agent_id", $"{field}.agent_id must name the playbook that makes the call");
            }

            CheckLiquid(errors, $"{field}.subject", step.Subject, 998);
            CheckLiquid(errors, $"{field}.body", step.Body, 100_000);
            steps.Add(new TemplateStep(channel, step.DelayMinutes ?? 0, NullIfEmpty(step.Subject), NullIfEmpty(step.Body), NullIfEmpty(step.AgentId?.Trim()), writer));
        }

        return steps;
    }

    /// <summary>A step's <c>writer</c>: email steps only, with instructions that parse as Liquid.</summary>
    private static WriterBrief? CheckWriter(FieldErrors errors, string field, WriterBriefInput? writer, string channel)
    {
        if (writer is null)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(writer.Instructions))
        {
            errors.Add($"{field}.writer.instructions", $"{field}.writer.instructions must say what to write, e.g. \"Thank {{{{ contact.first_name }}}} for asking about pricing\"");
            return null;
        }

        if (channel != ContactChannel.Email)
        {
            errors.Add($"{field}.writer", $"{field}.writer is for email steps; a voice step speaks its playbook");
        }

        CheckLiquid(errors, $"{field}.writer.instructions", writer.Instructions, MaxInstructionsChars);
        return new WriterBrief(writer.Instructions);
    }

    private static Dictionary<string, LanguageVariant> CheckVariants(IReadOnlyDictionary<string, LanguageVariant> input, IReadOnlyList<TemplateStep> steps, FieldErrors errors)
    {
        var variants = new Dictionary<string, LanguageVariant>(StringComparer.OrdinalIgnoreCase);
        foreach (var (language, variant) in input)
        {
            var field = $"variants_by_language.{language}";
            if (!LanguageTag().IsMatch(language))
            {
                errors.Add(field, $"{field}: the key must be a language tag such as es or pt-BR");
                continue;
            }

            if (variants.ContainsKey(language))
            {
                errors.Add(field, $"{field}: this language appears twice");
                continue;
            }

            var variantSteps = variant?.Steps ?? [];
            if (variantSteps.Count == 0 || variantSteps.Count > steps.Count)
            {
                errors.Add($"{field}.steps", $"{field}.steps must hold 1 to {steps.Count} entries, one per template step in order");
            }

            for (var i = 0; i < variantSteps.Count; i++)
            {
                CheckLiquid(errors, $"{field}.steps[{i}].subject", variantSteps[i]?.Subject, 998);
                CheckLiquid(errors, $"{field}.steps[{i}].body", variantSteps[i]?.Body, 100_000);
            }

            variants[language] = new LanguageVariant(variantSteps.Select(s => new StepVariant(NullIfEmpty(s?.Subject), NullIfEmpty(s?.Body))).ToList());
        }

        return variants;
    }

    private static void CheckLiquid(FieldErrors errors, string field, string? text, int maxLength)
    {
        if (text is null)
        {
            return;
        }

        if (text.Length > maxLength)
        {
            errors.Add(field, $"{field} must be at most {maxLength} characters");
        }
        else if (LiquidText.FindError(text) is { } error)
        {
            errors.Add(field, $"{field} has a Liquid error at {error}");
        }
    }

    /// <summary>
    /// Every subject and body of a valid definition must render within <see cref="LiquidText"/>'s bounds for a
    /// contact with no fields filled in; those that do not are reported together as one validation failure, each by its field.
    /// </summary>
    public static async Task CheckBoundsAsync(TemplateDefinition definition)
    {
        var texts = new List<(string Field, string? Text)>();
        for (var i = 0; i < definition.Steps.Count; i++)
        {
            texts.Add(($"steps[{i}].subject", definition.Steps[i].Subject));
            texts.Add(($"steps[{i}].body", definition.Steps[i].Body));
            texts.Add(($"steps[{i}].writer.instructions", definition.Steps[i].Writer?.Instructions));
        }

        foreach (var (language, variant) in definition.VariantsByLanguage)
        {
            for (var i = 0; i < variant.Steps.Count; i++)
            {
                texts.Add(($"variants_by_language.{language}.steps[{i}].subject", variant.Steps[i].Subject));
                texts.Add(($"variants_by_language.{language}.steps[{i}].body", variant.Steps[i].Body));
            }
        }

        var errors = new FieldErrors();
        foreach (var (field, text) in texts)
        {
            if (text is not null && await LiquidText.FindBoundsErrorAsync(text) is { } error)
            {
                errors.Add(field, $"{field} cannot render within the appliance's bounds: {error}");
            }
        }

        errors.ThrowIfAny();
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    [GeneratedRegex(@"^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$")]
    private static partial Regex LanguageTag();
}
