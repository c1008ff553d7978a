namespace Cualify.Appliance.Core.Sequences.Writing;

/// <summary>Why a step with a writer was not written (SPEC §2): the step's <c>fallback_reason</c>.</summary>
public static class FallbackReason
{
    public const string Timeout = "timeout";
    public const string Error = "error";
    public const string Refused = "refused";
    public const string Unusable = "unusable";

    public static readonly IReadOnlyList<string> All = [Timeout, Error, Refused, Unusable];
}

/// <summary>
/// The outcome of asking for one step: the written text with the model and prompt hash, or the reason it was not
/// written and what went wrong (no personal data: a status, a kind of failure).
/// </summary>
public sealed record StepWritingResult(WrittenText? Text, string? Model, string? PromptSha256, string? FallbackReason, string? Detail)
{
    public bool Written => Text is not null;
}
