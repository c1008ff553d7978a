using System.ComponentModel.DataAnnotations;
using Cualify.Appliance.Core.Common;

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

/// <summary>One sending mailbox: its address, display name, caps, and (optionally) its own SMTP login.</summary>
public sealed class MailboxOptions
{
    public string Address { get; set; } = "";

    public string? DisplayName { get; set; }

    public int HourlyLimit { get; set; } = 200;

    public int DailyLimit { get; set; } = 1000;

    /// <summary>SMTP login of this mailbox when it differs from <c>Mailer:Smtp:Username</c>.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    internal void Validate(string prefix, List<ValidationResult> results)
    {
        if (!EmailAddresses.IsValid(Address))
        {
            results.Add(new ValidationResult($"{prefix}:Address must be an email address such as sales@example.com", [nameof(Address)]));
        }

        if (HourlyLimit < 1 || DailyLimit < 1)
        {
            results.Add(new ValidationResult($"{prefix}:HourlyLimit and {prefix}:DailyLimit must be 1 or more", [nameof(HourlyLimit)]));
        }
    }
}

/// <summary>An SMTP or IMAP server. <c>Security</c>: <c>none</c>, <c>starttls</c> (default) or <c>tls</c>.</summary>
public sealed class MailServerOptions
{
    public string? Host { get; set; }

    /// <summary>0 means the usual port for the protocol and security.</summary>
    public int Port { get; set; }

    public string Security { get; set; } = "starttls";

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>SMTP: connections kept open and used in parallel.</summary>
    public int MaxConnections { get; set; } = 4;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>IMAP: the folder to watch.</summary>
    public string Folder { get; set; } = "INBOX";

    /// <summary>IMAP: how often to look for new mail when the server has no IDLE (and how long one IDLE lasts at most).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Accepts any server certificate (self-signed test servers only).</summary>
    public bool AcceptAnyCertificate { get; set; }

    internal void Validate(string prefix, List<ValidationResult> results)
    {
        if (Security is not ("none" or "starttls" or "tls"))
        {
            results.Add(new ValidationResult($"{prefix}:Security must be none, starttls or tls, not '{Security}'", [nameof(Security)]));
        }

        if (Port is < 0 or > 65535)
        {
            results.Add(new ValidationResult($"{prefix}:Port must be from 1 to 65535", [nameof(Port)]));
        }

        if (MaxConnections is < 1 or > 64)
        {
            results.Add(new ValidationResult($"{prefix}:MaxConnections must be from 1 to 64", [nameof(MaxConnections)]));
        }

        if (Timeout <= TimeSpan.Zero || PollInterval <= TimeSpan.Zero)
        {
            results.Add(new ValidationResult($"{prefix}:Timeout and {prefix}:PollInterval must be positive durations", [nameof(Timeout)]));
        }

        if (!string.IsNullOrWhiteSpace(Username) && Password is null)
        {
            results.Add(new ValidationResult($"{prefix}:Password is required when {prefix}:Username is set (CUALIFY__{prefix.Replace(":", "__")}__Password keeps it out of files)", [nameof(Password)]));
        }
    }

    public MailKit.Security.SecureSocketOptions SocketOptions => Security switch
    {
        "none" => MailKit.Security.SecureSocketOptions.None,
        "tls" => MailKit.Security.SecureSocketOptions.SslOnConnect,
        _ => MailKit.Security.SecureSocketOptions.StartTls,
    };

    /// <summary>Never includes the password.</summary>
    public override string ToString() => $"{Host}:{Port} ({Security})";
}

/// <summary>Optional DKIM signing of every outgoing message.</summary>
public sealed class DkimOptions
{
    public string? Domain { get; set; }

    public string? Selector { get; set; }

    /// <summary>A PEM file with the RSA private key.</summary>
    public string? PrivateKeyPath { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Domain);

    internal void Validate(List<ValidationResult> results)
    {
        if (!Enabled)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(Selector))
        {
            results.Add(new ValidationResult("Mailer:Dkim:Selector is required when Mailer:Dkim:Domain is set", [nameof(Selector)]));
        }

        if (string.IsNullOrWhiteSpace(PrivateKeyPath) || !File.Exists(PrivateKeyPath))
        {
            results.Add(new ValidationResult($"Mailer:Dkim:PrivateKeyPath must name a readable PEM key file (got '{PrivateKeyPath}')", [nameof(PrivateKeyPath)]));
        }
    }
}
