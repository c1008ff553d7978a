using System.ComponentModel.DataAnnotations;

namespace Cualify.Appliance.Core.Sequences.Writing;

/// <summary>
/// <c>Sequences:Writer</c>: the OpenAI-compatible chat-completions endpoint that writes steps with a
/// <c>writer</c> (a local vLLM, Ollama or llama.cpp server, or a hosted one). Unset <see cref="Endpoint"/>: no writer,
/// and such steps use their fixed text. <see cref="ApiKey"/> may be sealed (<c>cualify-appliance secrets seal</c>).
/// </summary>
public sealed class StepWriterOptions : IValidatableObject
{
    public const string Section = "Sequences:Writer";

    /// <summary>The base URL, as the servers document it: <c>http://127.0.0.1:8000/v1</c>; requests go to <c>…/chat/completions</c>.</summary>
    public Uri? Endpoint { get; set; }

    public string? Model { get; set; }

    /// <summary>Sent as <c>Authorization: Bearer …</c> when set; never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How long one step may take to be written, retries and waiting for a slot included.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>At most this many requests of one org at the endpoint at once, so one campaign cannot flood it.</summary>
    public int MaxConcurrentPerOrg { get; set; } = 4;

    /// <summary>Waits before each retry after a 429, a 5xx or a dropped connection (the server's <c>Retry-After</c> instead, up to 30 s), within <see cref="Timeout"/>.</summary>
    public List<TimeSpan> RetryDelays { get; set; } = [];

    public bool IsConfigured => Endpoint is not null;

    public IReadOnlyList<TimeSpan> EffectiveRetryDelays => RetryDelays.Count > 0
        ? RetryDelays
        : [TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)];

    /// <summary>The URL the requests go to (a method: option validation reads every property, and this one needs an endpoint).</summary>
    public Uri CompletionsUrl() => new(new Uri(Endpoint!.AbsoluteUri.TrimEnd('/') + "/"), "chat/completions");

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Endpoint is not null && (!Endpoint.IsAbsoluteUri || Endpoint.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult(
                "Sequences:Writer:Endpoint must be an absolute http(s) base URL such as http://127.0.0.1:8000/v1", [nameof(Endpoint)]);
        }

        if (Endpoint is not null && string.IsNullOrWhiteSpace(Model))
        {
            yield return new ValidationResult("Sequences:Writer:Model must name the model to ask when Sequences:Writer:Endpoint is set, e.g. qwen2.5-7b-instruct", [nameof(Model)]);
        }

        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromMinutes(5))
        {
            yield return new ValidationResult("Sequences:Writer:Timeout must be a duration above zero and at most 00:05:00, e.g. 00:00:20", [nameof(Timeout)]);
        }

        if (MaxConcurrentPerOrg is < 1 or > 1000)
        {
            yield return new ValidationResult("Sequences:Writer:MaxConcurrentPerOrg must be from 1 to 1000", [nameof(MaxConcurrentPerOrg)]);
        }

        if (RetryDelays.Any(d => d <= TimeSpan.Zero))
        {
            yield return new ValidationResult("Sequences:Writer:RetryDelays must all be positive durations such as 00:00:01", [nameof(RetryDelays)]);
        }
    }
}
