
namespace Cualify.Appliance.Core.Mail;

/// <summary>A sending mailbox's address and its caps, as the mailer is configured.</summary>
public sealed record MailboxQuota(string Address, int HourlyLimit, int DailyLimit);

/// <summary>A claimed email step with everything needed to build and send the message.</summary>
public sealed record OutgoingEmail(
    string StepId,
    string OrgId,
    string EnrollmentId,
    string ContactId,
    int Position,
    int Attempt,
    string Mailbox,
    string ToAddress,
    string? ToName,
    string Subject,
    string Body,
    string MessageId,
    string? InReplyTo,
    IReadOnlyList<string> References,
    string Token)
{
    /// <summary>The <c>mail_sends</c> row that holds this attempt's place in its mailbox's caps.</summary>
    public string SendId => $"{StepId}:{Attempt}";
}

public enum EmailOutcomeKind
{
    /// <summary>The server accepted the message.</summary>
    Sent,

    /// <summary>4xx, a dropped connection, a timeout: try again at <see cref="EmailOutcome.RetryAt"/>, or give up when it is null.</summary>
    Transient,

    /// <summary>5xx for the recipient: the address is undeliverable.</summary>
    RecipientRejected,

    /// <summary>5xx for the message itself (content, size): this step fails, the sequence goes on.</summary>
    MessageRejected,
}

public sealed record EmailOutcome(OutgoingEmail Email, EmailOutcomeKind Kind, string? Error = null, DateTimeOffset? RetryAt = null);

/// <summary>What one claim pass produced: messages to send now, and when the next step falls due.</summary>
public sealed record EmailClaim(IReadOnlyList<OutgoingEmail> Ready, DateTimeOffset? NextDueAt);
