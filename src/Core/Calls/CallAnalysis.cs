using System.Text.Json;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Json;

namespace Cualify.Appliance.Core.Calls;

/// <summary>One line of a call's transcript: who said it (<c>agent</c> or <c>callee</c>), what, and when if known.</summary>
public sealed record TranscriptEntry(string Speaker, string Text, DateTimeOffset? At = null)
{
    public static readonly IReadOnlyList<string> Speakers = ["agent", "callee"];

    /// <summary>The stored transcript (a JSON array), or null when none was posted or it is not an array.</summary>
    public static IReadOnlyList<TranscriptEntry>? Read(string? stored)
    {
        if (string.IsNullOrWhiteSpace(stored) || !stored.TrimStart().StartsWith('['))
        {
            return null;
        }

        return JsonSerializer.Deserialize<List<TranscriptEntry>>(stored, ApplianceJson.Options);
    }
}

/// <summary>What an agent or classifier learned about a call (<c>POST /calls/{id}/analysis</c>); a later post replaces an earlier one.</summary>
public sealed record CallAnalysis(
    IReadOnlyList<TranscriptEntry>? Transcript,
    string? LlmExtractedIntent = null,
    string? LlmSentiment = null,
    string? LlmOutcome = null,
    string? Summary = null)
{
    public const int MaxEntries = 5_000;
    public const int MaxTextLength = 10_000;
    public const int MaxLabelLength = 200;
    public const int MaxSummaryLength = 20_000;

    public void Check()
    {
        var errors = new FieldErrors();
        if (Transcript is null)
        {
            errors.Add("transcript", "transcript is required: an array of {speaker: \"agent\"|\"callee\", text, at?} (it may be empty)");
        }
        else if (Transcript.Count > MaxEntries)
        {
            errors.Add("transcript", $"transcript may hold at most {MaxEntries} entries");
        }
        else
        {
            for (var i = 0; i < Transcript.Count; i++)
            {
                var entry = Transcript[i];
                if (entry is null || !TranscriptEntry.Speakers.Contains(entry.Speaker))
                {
                    errors.Add("transcript", $"transcript[{i}].speaker must be agent or callee");
                }
                else if (string.IsNullOrWhiteSpace(entry.Text) || entry.Text.Length > MaxTextLength)
                {
                    errors.Add("transcript", $"transcript[{i}].text is required: 1 to {MaxTextLength} characters");
                }
            }
        }

        Label(errors, "llm_extracted_intent", LlmExtractedIntent);
        Label(errors, "llm_sentiment", LlmSentiment);
        Label(errors, "llm_outcome", LlmOutcome);
        if (Summary is { Length: > MaxSummaryLength })
        {
            errors.Add("summary", $"summary must be at most {MaxSummaryLength} characters");
        }

        errors.ThrowIfAny();
    }

    private static void Label(FieldErrors errors, string field, string? value)
    {
        if (value is not null && (value.Length > MaxLabelLength || value.Trim().Length == 0))
        {
            errors.Add(field, $"{field} must be 1 to {MaxLabelLength} characters");
        }
    }
}
