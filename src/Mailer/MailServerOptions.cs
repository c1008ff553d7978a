using System.ComponentModel.DataAnnotations;

namespace Cualify.Appliance.Mailer;

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
