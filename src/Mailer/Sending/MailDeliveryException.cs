using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace Cualify.Appliance.Mailer.Sending;

public enum MailFailure
{
    /// <summary>Try again later: 4xx, a dropped connection, a timeout, a login the server refused for now.</summary>
    Transient,

    /// <summary>5xx for the recipient: the address is undeliverable.</summary>
    RecipientRejected,

    /// <summary>5xx for the message itself.</summary>
    MessageRejected,
}

/// <summary>A message did not leave; <see cref="Failure"/> says whether to retry.</summary>
public sealed class MailDeliveryException(MailFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    public MailFailure Failure { get; } = failure;

    /// <summary>Turns what MailKit threw into a typed failure. 4xx and connection trouble are transient, 5xx permanent.</summary>
    public static MailDeliveryException From(Exception exception) => exception switch
    {
        MailDeliveryException known => known,
        SmtpCommandException { StatusCode: var status } command when (int)status >= 500 => command.ErrorCode switch
        {
            SmtpErrorCode.RecipientNotAccepted => new(MailFailure.RecipientRejected, $"{(int)status} {command.Message}", command),
            SmtpErrorCode.MessageNotAccepted => new(MailFailure.MessageRejected, $"{(int)status} {command.Message}", command),
            // The sender refused or an unexpected 5xx (AUTH, EHLO): our configuration, not the recipient; retry after it is fixed.
            _ => new(MailFailure.Transient, $"{(int)status} {command.Message} (check the sending mailbox and Mailer:Smtp settings)", command),
        },
        SmtpCommandException command => new(MailFailure.Transient, $"{(int)command.StatusCode} {command.Message}", command),
        AuthenticationException => new(MailFailure.Transient, "the SMTP server refused the login; check Mailer:Smtp:Username and Password", exception),
        SslHandshakeException => new(MailFailure.Transient, "TLS handshake with the SMTP server failed; check Mailer:Smtp:Security and the certificate", exception),
        SmtpProtocolException or IOException or SocketException or ServiceNotConnectedException or TimeoutException or OperationCanceledException
            => new(MailFailure.Transient, $"connection trouble: {exception.Message}", exception),
        _ => new(MailFailure.Transient, $"{exception.GetType().Name}: {exception.Message}", exception),
    };

    /// <summary>True when the connection itself is gone, so a kept connection should be replaced.</summary>
    public static bool IsConnectionLost(Exception exception) =>
        exception is IOException or SocketException or SmtpProtocolException or ServiceNotConnectedException
        || exception is SmtpCommandException { StatusCode: SmtpStatusCode.ServiceNotAvailable };
}
