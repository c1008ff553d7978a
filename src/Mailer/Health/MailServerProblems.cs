using System.Net.Sockets;
using Cualify.Appliance.Core.Health;
using MailKit;
using MailKit.Security;

namespace Cualify.Appliance.Mailer.Health;

/// <summary>What went wrong talking to an SMTP or IMAP server, in the words <c>doctor</c> prints, with the setting to change.</summary>
internal static class MailServerProblems
{
    /// <summary>The port a connection goes to: the configured one, or the protocol's usual port for the security mode.</summary>
    public static int EffectivePort(MailServerOptions server, bool imap) => server.Port != 0 ? server.Port : (imap, server.Security) switch
    {
        (false, "tls") => 465,
        (false, "none") => 25,
        (false, _) => 587,
        (true, "tls") => 993,
        (true, _) => 143,
    };

    /// <param name="section">The settings section, e.g. <c>Mailer:Smtp</c>.</param>
    public static DoctorResult Describe(Exception exception, string section, MailServerOptions server, int port)
    {
        var at = $"{server.Host}:{port}";
        return exception switch
        {
            AuthenticationException => DoctorResult.Fail($"{at} refused the login of {server.Username ?? "the configured user"} ({exception.Message})",
                section.EndsWith("Imap", StringComparison.Ordinal)
                    ? $"check {section}:Username and {section}:Password"
                    : $"check {section}:Username and {section}:Password (a mailbox with its own login: Mailer:Mailboxes:N:Username and Password)"),
            SslHandshakeException => DoctorResult.Fail($"the TLS handshake with {at} failed ({FirstLine(exception.Message)})",
                $"make {section}:Security match the port ({(section.EndsWith("Imap", StringComparison.Ordinal) ? "tls for 993, starttls for 143" : "tls for 465, starttls for 587")}); a test server with a self-signed certificate needs {section}:AcceptAnyCertificate"),
            NotSupportedException when exception.Message.Contains("STARTTLS", StringComparison.OrdinalIgnoreCase) => DoctorResult.Fail($"{at} does not offer STARTTLS",
                $"set {section}:Security to tls if the port expects TLS from the start, or none only for a relay on this machine or a trusted network"),
            SocketException { SocketErrorCode: SocketError.ConnectionRefused } => DoctorResult.Fail($"nothing accepts connections at {at} (connection refused)",
                $"check {section}:Host and {section}:Port, and that the mail server is running"),
            SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain } => DoctorResult.Fail($"the host name {server.Host} does not resolve",
                $"check {section}:Host and this machine's DNS"),
            SocketException or TimeoutException or OperationCanceledException => DoctorResult.Fail($"no connection to {at} ({FirstLine(exception.Message)})",
                $"check {section}:Host and {section}:Port, and that a firewall lets this machine reach the server"),
            FolderNotFoundException => DoctorResult.Fail($"{at} has no folder {server.Folder}",
                $"set {section}:Folder to the mailbox folder that receives replies and bounces (usually INBOX)"),
            _ => DoctorResult.Fail($"{at} answered unexpectedly ({exception.GetType().Name}: {FirstLine(exception.Message)})",
                $"check the {section} settings against what the mail provider documents"),
        };
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
