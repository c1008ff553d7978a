namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>
/// Twilio answered a request with an error status. <see cref="Code"/> is Twilio's error code, when it sent one.
/// Twilio's messages quote phone numbers, so the exception's own message is masked for logs.
/// </summary>
public sealed class TwilioApiException(int httpStatus, int? code, string message)
    : Exception($"Twilio answered {httpStatus}{(code is null ? "" : $" (error {code})")}: {Cualify.Appliance.Core.Privacy.Redact.Text(message)}")
{
    public int HttpStatus { get; } = httpStatus;

    public int? Code { get; } = code;

    public string TwilioMessage { get; } = message;
}
