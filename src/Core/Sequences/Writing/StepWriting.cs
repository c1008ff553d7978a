using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Core.Sequences.Writing;

/// <summary>
/// Writes the steps of one enrollment that carry a <c>writer</c>: renders each step's instructions for the contact,
/// asks the writer (all steps at once, each within <c>Sequences:Writer:Timeout</c>), and checks the answer with
/// <see cref="WrittenTextRules"/>. Runs outside the store's writer, at enrollment, so what is stored is exactly what
/// review shows and approval sends. Counts steps written, fallbacks by reason and the writer's latency.
/// </summary>
public sealed class StepWriting(IStepWriter writer, IOptions<StepWriterOptions> options, ApplianceMetrics metrics, TimeProvider time, ILogger<StepWriting> logger)
{
    private readonly Counter _written = metrics.Counter("cualify_sequence_steps_written_total", "Sequence steps the writer wrote");
    private readonly Counter _fallbacks = metrics.Counter("cualify_sequence_writer_fallbacks_total", "Sequence steps with a writer that were not written, by reason", "reason");
    private readonly Counter _seconds = metrics.Counter("cualify_sequence_writer_seconds_total", "Seconds spent waiting for the writer, retries included");
    private readonly Counter _requests = metrics.Counter("cualify_sequence_writer_requests_total", "Steps asked of the writer, by outcome (with writer_seconds_total: mean latency)", "outcome");

    public bool IsConfigured => writer.IsConfigured;

    /// <summary>Writes one step for one contact; never throws for the writer's failures, only when <paramref name="cancellationToken"/> fires.</summary>
    public async Task<StepWritingResult> WriteAsync(string orgId, WriterBrief brief, Contact contact, StepContext step, CancellationToken cancellationToken)
    {
        string instructions;
        try
        {
            instructions = await LiquidText.RenderAsync(brief.Instructions, contact);
        }
        catch (Exception failure) when (failure is TemplateBoundsException or InvalidOperationException)
        {
            return Fallback(FallbackReason.Error, $"the instructions could not be rendered for this contact: {failure.Message}", null);
        }

        var request = WriterPrompt.Build(writer.Model, instructions, contact, step);
        var hash = WriterPrompt.Sha256(request);
        using var timeout = new CancellationTokenSource(options.Value.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var started = time.GetTimestamp();
        WriterReply reply;
        try
        {
            reply = await writer.WriteAsync(orgId, request, linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Observe(started, FallbackReason.Timeout);
            return Fallback(FallbackReason.Timeout, $"the writer did not answer within {options.Value.Timeout}", hash);
        }

        var result = Judge(reply, step, hash);
        Observe(started, result.FallbackReason ?? "written");
        if (result.Written)
        {
            _written.Inc();
        }

        return result;
    }

    private StepWritingResult Judge(WriterReply reply, StepContext step, string hash)
    {
        if (reply.Outcome == WriterOutcome.Refused || reply.FinishReason == "content_filter")
        {
            return Fallback(FallbackReason.Refused, reply.Detail ?? "the model declined to write this step", hash);
        }

        if (reply.Outcome == WriterOutcome.Failed)
        {
            return Fallback(FallbackReason.Error, reply.Detail ?? "the writer failed", hash);
        }

        if (reply.FinishReason == "length")
        {
            return Fallback(FallbackReason.Unusable, "the answer was cut off at the model's length limit", hash);
        }

        var text = WrittenTextRules.Read(reply.Content, subjectRequired: !step.FollowUp, out var problem);
        return text is null
            ? Fallback(FallbackReason.Unusable, problem!, hash)
            : new StepWritingResult(text, string.IsNullOrWhiteSpace(reply.Model) ? writer.Model : reply.Model, hash, null, null);
    }

    private StepWritingResult Fallback(string reason, string detail, string? hash)
    {
        _fallbacks.Inc(reason);
        logger.LogWarning("A sequence step was not written ({Reason}): {Detail}", reason, detail);
        return new StepWritingResult(null, null, hash, reason, detail);
    }

    private void Observe(long started, string outcome)
    {
        _seconds.Add(time.GetElapsedTime(started).TotalSeconds);
        _requests.Inc(outcome);
    }
}
