namespace Cualify.Appliance.Core.Errors;

/// <summary>
/// What went wrong, in the business's terms. Core throws these; the API turns each kind into its status
/// and contract code in one place, so nothing in Core knows about HTTP.
/// </summary>
public enum ErrorKind
{
    /// <summary>The request is malformed or a value cannot be parsed (a bad filter, a bad JSON body).</summary>
    Invalid,

    /// <summary>The request is well formed but its fields break the rules; details name each field.</summary>
    Validation,

    /// <summary>No valid credentials were presented.</summary>
    Unauthorized,

    /// <summary>The caller is known but may not do this; details give the reason.</summary>
    Forbidden,

    /// <summary>The thing asked for does not exist (in the caller's org).</summary>
    NotFound,

    /// <summary>The request contradicts the current state (already ended, reused idempotency key).</summary>
    Conflict,

    /// <summary>The org's available balance does not cover what this needs.</summary>
    InsufficientCredits,

    /// <summary>The caller is over a rate limit.</summary>
    TooManyRequests,

    /// <summary>The request (or a part of it) is larger than the appliance accepts.</summary>
    TooLarge,

    /// <summary>An outside system the appliance depends on failed or refused.</summary>
    Upstream,
}
