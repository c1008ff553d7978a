using System.Text.Json.Nodes;

namespace Cualify.Appliance.Core.Sequences;

/// <summary>The body of <c>POST /sequences/start</c>.</summary>
public sealed record SequenceStartInput(
    string? TemplateId,
    SequenceStartContact? Contact,
    bool AutoApprove,
    string? IdempotencyKey);

public sealed record SequenceStartContact(
    string? FirstName,
    string? LastName,
    IReadOnlyList<string>? Emails,
    IReadOnlyList<string>? PhoneNumbers,
    string? Notes,
    string? LanguagePref,
    string? ConsentCapture,
    JsonObject? Metadata);

/// <summary>What <c>sequences/start</c> answers: the ids, the status, and whether this request created them.</summary>
public sealed record SequenceStartResult(string EnrollmentId, string ContactId, string TemplateId, string Status, bool Created);
