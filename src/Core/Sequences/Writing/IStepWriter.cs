using System.Text.Json.Nodes;

namespace Cualify.Appliance.Core.Sequences.Writing;

/// <summary>One chat message of a request to the writer.</summary>
public sealed record WriterMessage(string Role, string Content);

/// <summary>
/// What the appliance asks the writer for one step of one contact: the model, the messages, and the JSON schema the
/// answer must follow (sent as <c>response_format: {type: "json_schema"}</c>). Built by <see cref="WriterPrompt"/>.
/// </summary>
public sealed record WriterRequest(string Model, IReadOnlyList<WriterMessage> Messages, string SchemaName, JsonObject Schema);

public enum WriterOutcome
{
    /// <summary>The writer answered with a message; its content still has to pass <see cref="WrittenTextRules"/>.</summary>
    Answered,

    /// <summary>The model declined (a <c>refusal</c>, or its content was filtered).</summary>
    Refused,

    /// <summary>No usable answer: an error status after the retries, a dropped connection, a body that is not a chat completion.</summary>
    Failed,
}

/// <summary>
/// The writer's answer. <see cref="Detail"/> says what went wrong in words fit for a log and the step's record: a
/// status code, an error type; never the request, the answer's text or the key.
/// </summary>
public sealed record WriterReply(WriterOutcome Outcome, string? Content, string? Model, string? FinishReason, string? Detail)
{
    public static WriterReply Failure(string detail) => new(WriterOutcome.Failed, null, null, null, detail);
}

/// <summary>
/// The client of the customer's chat-completions endpoint, which lives in the Mailer (one worker, one kind of
/// outside I/O). Core decides what is asked and what is done with the answer; the client only carries it, with
/// retries and a per-org cap on requests in flight.
/// </summary>
public interface IStepWriter
{
    /// <summary>False when no endpoint is configured: steps with a writer use their fixed text.</summary>
    bool IsConfigured { get; }

    /// <summary>The configured model's name.</summary>
    string Model { get; }

    /// <summary>Asks for one step. Throws <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires.</summary>
    Task<WriterReply> WriteAsync(string orgId, WriterRequest request, CancellationToken cancellationToken);
}

/// <summary>No writer configured (<c>Sequences:Writer:Endpoint</c> unset).</summary>
public sealed class NoStepWriter : IStepWriter
{
    public bool IsConfigured => false;

    public string Model => "";

    public Task<WriterReply> WriteAsync(string orgId, WriterRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(WriterReply.Failure("no writer is configured (Sequences:Writer:Endpoint)"));
}
