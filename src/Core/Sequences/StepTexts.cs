using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Sequences.Writing;

namespace Cualify.Appliance.Core.Sequences;

/// <summary>
/// The text of one step for one contact, or why it could not be rendered; for a step with a writer, how the
/// writing went. <see cref="HoldsStart"/>: a writer step left with no text, which keeps an auto-approved start in review.
/// </summary>
public sealed record StepText(string? Subject, string? Body, string? Error, StepWritingResult? Writing = null, bool HoldsStart = false);

/// <summary>
/// The text of an enrollment's steps for one contact, made outside the store's writer: each step's Liquid subject and
/// body rendered (bounded by <see cref="LiquidText"/>), and the email steps with a <c>writer</c> written by
/// <see cref="StepWriting"/>, all at once. A step the writer did not write keeps its fixed text with the reason; with
/// no fixed text it becomes an error that holds an auto-approved start in review.
/// </summary>
public sealed class StepTexts(StepWriting writing)
{
    /// <summary>
    /// Renders each step's subject and body for the contact and has the steps with a writer written, outside the
    /// store's writer; a step past a bound records why.
    /// </summary>
    public async Task<IReadOnlyList<StepText>> RenderAsync(Org org, SequenceTemplate template, Contact contact, CancellationToken cancellationToken)
    {
        var (steps, _) = template.StepsFor(contact.LanguagePref);
        var rendered = new List<Task<StepText>>(steps.Count);
        var emailsBefore = 0;
        for (var position = 0; position < steps.Count; position++)
        {
            var step = steps[position];
            var fixedText = await RenderFixedAsync(step, position, contact);
            var followUp = emailsBefore > 0;
            if (step.Channel == ContactChannel.Email)
            {
                emailsBefore++;
            }

            rendered.Add(step.Writer is null || step.Channel != ContactChannel.Email || fixedText.Error is not null
                ? Task.FromResult(fixedText)
                : WriteAsync(org, step.Writer, contact, new StepContext(position + 1, steps.Count, followUp, NullIfEmpty(fixedText.Subject), NullIfEmpty(fixedText.Body)), position, fixedText, cancellationToken));
        }

        return await Task.WhenAll(rendered);
    }

    private static async Task<StepText> RenderFixedAsync(TemplateStep step, int position, Contact contact)
    {
        var field = "subject";
        try
        {
            var subject = await LiquidText.RenderAsync(step.Subject, contact);
            field = "body";
            var body = await LiquidText.RenderAsync(step.Body, contact);
            return new StepText(subject, body, null);
        }
        catch (Exception failure) when (failure is TemplateBoundsException or InvalidOperationException)
        {
            return new StepText(null, null, $"steps[{position}].{field} could not be rendered for this contact: {failure.Message}");
        }
    }

    /// <summary>The written text; else the fixed text with the reason recorded; else a failed step that holds an auto-approved start.</summary>
    private async Task<StepText> WriteAsync(
        Org org, WriterBrief brief, Contact contact, StepContext context, int position, StepText fixedText, CancellationToken cancellationToken)
    {
        var hasFixedText = context.DraftBody is not null && (context.FollowUp || context.DraftSubject is not null);
        if (!writing.IsConfigured || !org.WriterEnabled)
        {
            var why = writing.IsConfigured ? "writing is turned off for this org (writer_enabled)" : "no writer is configured (Sequences:Writer:Endpoint)";
            return hasFixedText ? fixedText : new StepText(null, null, $"steps[{position}] has a writer but no fixed text, and {why}", null, HoldsStart: true);
        }

        var result = await writing.WriteAsync(org.Id, brief, contact, context, cancellationToken);
        if (result.Text is { } text)
        {
            return new StepText(text.Subject, text.Body, null, result);
        }

        return hasFixedText
            ? fixedText with { Writing = result }
            : new StepText(null, null, $"steps[{position}] was not written ({result.FallbackReason}: {result.Detail}) and has no fixed text", result, HoldsStart: true);
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
