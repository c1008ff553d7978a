namespace Cualify.Appliance.LocalApi.Errors;

/// <summary>The stable error codes of the v1 contract; clients switch on these, not on HTTP status.</summary>
public static class ErrorCode
{
    public const string InvalidRequest = "invalid_request";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string NotFound = "not_found";
    public const string Conflict = "conflict";
    public const string InsufficientCredits = "insufficient_credits";
    public const string TooManyRequests = "too_many_requests";
    public const string UpstreamError = "upstream_error";
    public const string InternalError = "internal_error";
}
