using System.ComponentModel.DataAnnotations;
using Cualify.Appliance.Core.Contacts;

namespace Cualify.Appliance.Mailer;

/// <summary>
/// The <c>Mailer</c> section. With no <c>Mailer:Smtp:Host</c> (a fresh install) messages are written as .eml
/// files to <c>Mailer:PickupDirectory</c>; with no <c>Mailer:Imap:Host</c> no mailbox is watched.
/// </summary>
public sealed class MailerOptions : IValidatableObject
{
    public const string Section = "Mailer";

    public MailServerOptions Smtp { get; set; } = new();

    public MailServerOptions Imap { get; set; } = new();

    /// <summary>Where messages go as .eml files when no SMTP server is set (<c>&lt;data-dir&gt;/outbox</c>).</summary>
    public string? PickupDirectory { get; set; }

    /// <summary>The sending address when <see cref="Mailboxes"/> is empty.</summary>
    public string From { get; set; } = "outreach@appliance.localdomain";

    public string? FromName { get; set; }

    /// <summary>Sending mailboxes, each with its own caps; follow-ups leave from the mailbox that sent the first step.</summary>
    public List<MailboxOptions> Mailboxes { get; set; } = [];

    /// <summary>Caps of the <see cref="From"/> mailbox when <see cref="Mailboxes"/> is empty.</summary>
    public int HourlyLimit { get; set; } = 200;

    public int DailyLimit { get; set; } = 1000;

    /// <summary>Waits after a transient failure (4xx, dropped connection), one per retry; then the step fails.</summary>
    public List<TimeSpan> RetryDelays { get; set; } = [];

    /// <summary>How often the runner looks for due steps when nothing wakes it.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Adds an open-tracking pixel (needs Api:PublicBaseUrl); opens are recorded and drive nothing.</summary>
    public bool TrackOpens { get; set; }

    public DkimOptions Dkim { get; set; } = new();

    public IReadOnlyList<TimeSpan> EffectiveRetryDelays => RetryDelays.Count > 0
        ? RetryDelays
        : [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromHours(1), TimeSpan.FromHours(4), TimeSpan.FromHours(12)];

    public IReadOnlyList<MailboxOptions> EffectiveMailboxes => Mailboxes.Count > 0
        ? Mailboxes
        : [new MailboxOptions { Address = From, DisplayName = FromName, HourlyLimit = HourlyLimit, DailyLimit = DailyLimit }];

    public bool UsesSmtp => !string.IsNullOrWhiteSpace(Smtp.Host);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var results = new List<ValidationResult>();
        Smtp.Validate("Mailer:Smtp", results);
        Imap.Validate("Mailer:Imap", results);
        if (Mailboxes.Count == 0 && !EmailAddresses.IsValid(From))
        {
            results.Add(new ValidationResult($"Mailer:From must be an email address such as outreach@example.com, not '{From}'", [nameof(From)]));
        }

        for (var i = 0; i < Mailboxes.Count; i++)
        {
            Mailboxes[i].Validate($"Mailer:Mailboxes:{i}", results);
        }

        foreach (var (limit, name) in new[] { (HourlyLimit, "HourlyLimit"), (DailyLimit, "DailyLimit") })
        {
            if (limit < 1)
            {
                results.Add(new ValidationResult($"Mailer:{name} must be 1 or more", [name]));
            }
        }

        if (RetryDelays.Any(d => d <= TimeSpan.Zero))
        {
            results.Add(new ValidationResult("Mailer:RetryDelays must all be positive durations such as 00:05:00", [nameof(RetryDelays)]));
        }

        if (PollInterval <= TimeSpan.Zero)
        {
            results.Add(new ValidationResult("Mailer:PollInterval must be a positive duration such as 00:00:15", [nameof(PollInterval)]));
        }

        Dkim.Validate(results);
        return results;
    }
}
