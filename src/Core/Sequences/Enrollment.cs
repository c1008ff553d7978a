namespace Cualify.Appliance.Core.Sequences;

public static class EnrollmentStatus
{
    public const string PendingReview = "pending_review";
    public const string Active = "active";
    public const string Completed = "completed";
    public const string StoppedReply = "stopped_reply";
    public const string StoppedOptOut = "stopped_opt_out";
    public const string StoppedBounce = "stopped_bounce";
    public const string Canceled = "canceled";

    public static bool IsOpen(string status) => status is PendingReview or Active;
}

public static class StepStatus
{
    /// <summary>Waits for the step before it.</summary>
    public const string Pending = "pending";
    public const string Scheduled = "scheduled";
    public const string Sending = "sending";
    public const string Sent = "sent";
    public const string Failed = "failed";
    public const string Skipped = "skipped";
    public const string Bounced = "bounced";
    public const string Canceled = "canceled";
}

/// <summary>A contact's run through a template (<c>enr_…</c>).</summary>
public sealed class Enrollment
{
    public string Id { get; init; } = "";

    public string OrgId { get; init; } = "";

    public string TemplateId { get; init; } = "";

    public string ContactId { get; init; } = "";

    public string Status { get; init; } = "";

    public string? Language { get; init; }

    public string? SendingWindow { get; init; }

    public string? TimeZone { get; init; }

    public bool StopOnReply { get; init; }

    public string? Mailbox { get; init; }

    public string? IdempotencyKey { get; init; }

    public string? RequestFingerprint { get; init; }

    public string? StopReason { get; init; }

    public DateTimeOffset? ApprovedAt { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public IReadOnlyList<string> TimeZoneIds => (TimeZone ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>One step of an enrollment, as rendered for its contact, and how far it got.</summary>
public sealed class EnrollmentStep
{
    public string Id { get; init; } = "";

    public string EnrollmentId { get; init; } = "";

    public int Position { get; init; }

    public string Channel { get; init; } = "";

    public int DelayMinutes { get; init; }

    public string? Subject { get; init; }

    public string? Body { get; init; }

    public string? AgentId { get; init; }

    public string Status { get; init; } = "";

    public DateTimeOffset? ScheduledAt { get; init; }

    public DateTimeOffset? ClaimedUntil { get; init; }

    public int Attempts { get; init; }

    public bool Forced { get; init; }

    public DateTimeOffset? SentAt { get; init; }

    public string? MessageId { get; init; }

    public string? ToAddress { get; init; }

    public string? Mailbox { get; init; }

    public string? CallId { get; init; }

    /// <summary>A voice step's call outcome once it ended: <c>answered</c>, <c>voicemail</c>, <c>no_answer</c>, <c>busy</c>…</summary>
    public string? CallOutcome { get; init; }

    public string Token { get; init; } = "";

    public string? LastError { get; init; }

    /// <summary>The model that wrote the subject and body (null: the step's fixed text).</summary>
    public string? WrittenModel { get; init; }

    public string? WrittenPromptSha256 { get; init; }

    /// <summary>Why a step with a writer went out with its fixed text, or failed: <c>timeout</c>, <c>error</c>, <c>refused</c>, <c>unusable</c>.</summary>
    public string? FallbackReason { get; init; }

    public string? FallbackDetail { get; init; }

    public WrittenBy? WrittenBy => WrittenModel is null ? null : new WrittenBy(WrittenModel, WrittenPromptSha256 ?? "");
}

/// <summary>Which model wrote a step, from which prompt (the SHA-256 of the request's model, messages and schema).</summary>
public sealed record WrittenBy(string Model, string PromptSha256);

public sealed record EnrollmentStepView(
    int Position,
    string Channel,
    string Status,
    int DelayMinutes,
    DateTimeOffset? ScheduledAt,
    DateTimeOffset? SentAt,
    string? Subject,
    string? Body,
    string? AgentId,
    string? MessageId,
    string? CallId,
    string? CallOutcome,
    int Attempts,
    string? Error,
    WrittenBy? WrittenBy,
    string? FallbackReason,
    string? FallbackDetail)
{
    public static EnrollmentStepView From(EnrollmentStep s) => new(
        s.Position, s.Channel, s.Status, s.DelayMinutes, s.ScheduledAt, s.SentAt, s.Subject, s.Body, s.AgentId,
        s.MessageId is null ? null : $"<{s.MessageId}>", s.CallId, s.CallOutcome, s.Attempts, s.LastError,
        s.WrittenBy, s.FallbackReason, s.FallbackDetail);
}

/// <summary>The contract's enrollment representation: live status and per-step state.</summary>
public sealed record EnrollmentView(
    string Id,
    string TemplateId,
    string ContactId,
    string Status,
    string? Language,
    string? StopReason,
    DateTimeOffset? ApprovedAt,
    DateTimeOffset? EndedAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<EnrollmentStepView> Steps)
{
    public static EnrollmentView From(Enrollment e, IEnumerable<EnrollmentStep> steps) => new(
        e.Id, e.TemplateId, e.ContactId, e.Status, e.Language, e.StopReason, e.ApprovedAt, e.EndedAt, e.CreatedAt, e.UpdatedAt,
        steps.OrderBy(s => s.Position).Select(EnrollmentStepView.From).ToList());
}

public static class SequenceEvents
{
    public const string EnrollmentCreated = "sequence.enrollment_created";
    public const string Completed = "sequence.completed";
    public const string Stopped = "sequence.stopped";
    public const string EmailSent = "email.sent";
    public const string EmailOpened = "email.opened";
    public const string EmailReplied = "email.replied";
    public const string EmailBounced = "email.bounced";
}
