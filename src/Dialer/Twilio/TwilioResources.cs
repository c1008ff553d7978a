using System.Text.Json.Serialization;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>The fields of Twilio's Call resource the provider reads.</summary>
public sealed record TwilioCallResource(
    [property: JsonPropertyName("sid")] string Sid,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("duration")] string? Duration = null,
    [property: JsonPropertyName("answered_by")] string? AnsweredBy = null);

/// <summary>The fields of Twilio's Account resource the readiness check reads.</summary>
public sealed record TwilioAccountResource(
    [property: JsonPropertyName("sid")] string Sid,
    [property: JsonPropertyName("friendly_name")] string? FriendlyName,
    [property: JsonPropertyName("status")] string? Status);

/// <summary>Twilio's error body: <c>{"code":21211,"message":…,"more_info":…,"status":400}</c>.</summary>
public sealed record TwilioErrorBody(
    [property: JsonPropertyName("code")] int? Code,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("more_info")] string? MoreInfo,
    [property: JsonPropertyName("status")] int? Status);

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
