using Cualify.Appliance.Core.Errors;
using Microsoft.AspNetCore.Http;

namespace Cualify.Appliance.LocalApi.Errors;

/// <summary>The one place a business error kind becomes an HTTP status and a contract error code.</summary>
public static class ErrorKinds
{
    public static (int Status, string Code) ToHttp(ErrorKind kind) => kind switch
    {
        ErrorKind.Invalid => (StatusCodes.Status400BadRequest, ErrorCode.InvalidRequest),
        ErrorKind.Validation => (StatusCodes.Status422UnprocessableEntity, ErrorCode.InvalidRequest),
        ErrorKind.Unauthorized => (StatusCodes.Status401Unauthorized, ErrorCode.Unauthorized),
        ErrorKind.InsufficientCredits => (StatusCodes.Status402PaymentRequired, ErrorCode.InsufficientCredits),
        ErrorKind.Forbidden => (StatusCodes.Status403Forbidden, ErrorCode.Forbidden),
        ErrorKind.NotFound => (StatusCodes.Status404NotFound, ErrorCode.NotFound),
        ErrorKind.Conflict => (StatusCodes.Status409Conflict, ErrorCode.Conflict),
        ErrorKind.TooLarge => (StatusCodes.Status413PayloadTooLarge, ErrorCode.InvalidRequest),
        ErrorKind.TooManyRequests => (StatusCodes.Status429TooManyRequests, ErrorCode.TooManyRequests),
        ErrorKind.Upstream => (StatusCodes.Status502BadGateway, ErrorCode.UpstreamError),
        _ => (StatusCodes.Status500InternalServerError, ErrorCode.InternalError),
    };
}
