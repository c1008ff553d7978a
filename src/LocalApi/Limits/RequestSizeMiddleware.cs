using Cualify.Appliance.LocalApi.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Cualify.Appliance.LocalApi.Limits;

/// <summary>Refuses a too-long request target (414) or too-large headers (431) in the envelope, before any routing.</summary>
public sealed class RequestSizeMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? "";
        if (target.Length > RequestSizeLimits.MaxTargetBytes)
        {
            await ApiErrors.WriteAsync(context, new ApiError(StatusCodes.Status414UriTooLong, ErrorCode.InvalidRequest,
                $"The request URL is longer than {RequestSizeLimits.MaxTargetBytes} bytes; send large inputs in a JSON body"));
            return;
        }

        var headers = context.Request.Headers;
        if (headers.Count > RequestSizeLimits.MaxHeaderCount)
        {
            await ApiErrors.WriteAsync(context, new ApiError(StatusCodes.Status431RequestHeaderFieldsTooLarge, ErrorCode.InvalidRequest,
                $"The request has more than {RequestSizeLimits.MaxHeaderCount} headers"));
            return;
        }

        if (HeaderBytes(headers) > RequestSizeLimits.MaxHeaderBytes)
        {
            await ApiErrors.WriteAsync(context, new ApiError(StatusCodes.Status431RequestHeaderFieldsTooLarge, ErrorCode.InvalidRequest,
                $"The request headers are larger than {RequestSizeLimits.MaxHeaderBytes / 1024} KiB together"));
            return;
        }

        await next(context);
    }

    /// <summary>Each header line as sent: name, ": ", value and CRLF.</summary>
    private static long HeaderBytes(IHeaderDictionary headers)
    {
        long total = 0;
        foreach (var (name, values) in headers)
        {
            foreach (var value in values)
            {
                total += name.Length + 4 + (value?.Length ?? 0);
            }
        }

        return total;
    }
}
