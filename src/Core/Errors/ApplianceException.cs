namespace Cualify.Appliance.Core.Errors;

/// <summary>
/// A failure the caller can act on, carrying the contract's error code, the HTTP status it maps to,
/// the offending parameter and structured details. Anything else that escapes becomes <c>internal_error</c>.
/// </summary>
public sealed class ApplianceException : Exception
{
    public ApplianceException(int status, string code, string message, string? param = null, IReadOnlyDictionary<string, object?>? details = null)
        : base(message)
    {
        Status = status;
        Code = code;
        Param = param;
        Details = details;
    }

    public int Status { get; }

    public string Code { get; }

    public string? Param { get; }

    public IReadOnlyDictionary<string, object?>? Details { get; }

    public static ApplianceException BadRequest(string message, string? param = null) =>
        new(400, ErrorCode.InvalidRequest, message, param);

    public static ApplianceException Validation(FieldErrors errors) => errors.ToException();

    public static ApplianceException NotFound(string what, string? param = null) =>
        new(404, ErrorCode.NotFound, $"{what} not found", param);

    public static ApplianceException Forbidden(string reason, string message, string? param = null) =>
        new(403, ErrorCode.Forbidden, message, param, new Dictionary<string, object?> { ["reason"] = reason });

    public static ApplianceException Conflict(string message, string? param = null) =>
        new(409, ErrorCode.Conflict, message, param);

    public static ApplianceException InsufficientCredits(long availablePaise, long requiredPaise) =>
        new(402, ErrorCode.InsufficientCredits,
            $"Balance available ({availablePaise} paise) does not cover the {requiredPaise} paise this needs; top up credits",
            null,
            new Dictionary<string, object?> { ["available_paise"] = availablePaise, ["required_paise"] = requiredPaise });

    public static ApplianceException Upstream(string message) =>
        new(502, ErrorCode.UpstreamError, message);
}
