namespace Cualify.Appliance.Core.Errors;

/// <summary>
/// A failure the caller can act on: what kind it is, a message that says how to fix it, the offending
/// parameter and structured details. Anything else that escapes becomes an internal error.
/// </summary>
public sealed class ApplianceException : Exception
{
    public ApplianceException(ErrorKind kind, string message, string? param = null, IReadOnlyDictionary<string, object?>? details = null)
        : base(message)
    {
        Kind = kind;
        Param = param;
        Details = details;
    }

    public ErrorKind Kind { get; }

    public string? Param { get; }

    public IReadOnlyDictionary<string, object?>? Details { get; }

    /// <summary>
    /// Why, in one snake_case word: <c>details.reason</c> when the refusal gives one (<c>opted_out</c>,
    /// <c>no_active_plan</c>), otherwise the kind itself (<c>insufficient_credits</c>, <c>not_found</c>).
    /// </summary>
    public string Reason => Details?.GetValueOrDefault("reason") as string ?? SnakeCase(Kind.ToString());

    public static ApplianceException BadRequest(string message, string? param = null) =>
        new(ErrorKind.Invalid, message, param);

    public static ApplianceException Validation(FieldErrors errors) => errors.ToException();

    public static ApplianceException NotFound(string what, string? param = null) =>
        new(ErrorKind.NotFound, $"{what} not found", param);

    public static ApplianceException Forbidden(string reason, string message, string? param = null) =>
        new(ErrorKind.Forbidden, message, param, new Dictionary<string, object?> { ["reason"] = reason });

    public static ApplianceException Conflict(string message, string? param = null) =>
        new(ErrorKind.Conflict, message, param);

    public static ApplianceException InsufficientCredits(long availablePaise, long requiredPaise) =>
        new(ErrorKind.InsufficientCredits,
            $"Balance available ({availablePaise} paise) does not cover the {requiredPaise} paise this needs; top up credits",
            null,
            new Dictionary<string, object?> { ["available_paise"] = availablePaise, ["required_paise"] = requiredPaise });

    public static ApplianceException Upstream(string message) =>
        new(ErrorKind.Upstream, message);

    private static string SnakeCase(string pascal) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) ? (i == 0 ? "" : "_") + char.ToLowerInvariant(c) : c.ToString()));
}
