using Cualify.Appliance.Core.RateLimits;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.LocalApi.Auth;
using Cualify.Appliance.LocalApi.Errors;
using Microsoft.AspNetCore.Http;

namespace Cualify.Appliance.LocalApi.RateLimits;

/// <summary>
/// Applies the org's limit and the key's own (when set) to every authenticated request, and a per-address
/// limit to requests without a valid key; every API response carries the X-RateLimit headers. The org and key
/// limits hold across every node of a shared store; an address's limit is this node's.
/// </summary>
public sealed class RateLimitMiddleware(RequestDelegate next, SlidingWindowLimiter limiter, ApiRateLimits callers)
{
    public const int AnonymousLimitPerMinute = 120;

    public async Task InvokeAsync(HttpContext context)
    {
        if (!ApiKeyMiddleware.IsApiPath(context))
        {
            await next(context);
            return;
        }

        var caller = context.Features.Get<ApiCaller>();
        var anonymous = context.GetEndpoint()?.Metadata.GetMetadata<AnonymousRateLimit>();
        var decision = caller is null
            ? anonymous is null
                ? limiter.Acquire(($"ip:{context.Connection.RemoteIpAddress}", AnonymousLimitPerMinute))
                : limiter.Acquire(($"ip:{context.Connection.RemoteIpAddress}:{anonymous.PerMinute}", anonymous.PerMinute))
            : caller.Key.RateLimitPerMinute is { } keyLimit
                ? await callers.AcquireAsync(context.RequestAborted, ($"org:{caller.OrgId}", caller.OrgRateLimitPerMinute), ($"key:{caller.Key.Id}", keyLimit))
                : await callers.AcquireAsync(context.RequestAborted, ($"org:{caller.OrgId}", caller.OrgRateLimitPerMinute));

        RateLimitHeaders.Write(context.Response, decision);
        if (!decision.Allowed)
        {
            var retryAfter = decision.RetryAfterSeconds;
            await ApiErrors.WriteAsync(context, new ApplianceException(ErrorKind.TooManyRequests,
                $"Rate limit of {decision.Limit} requests per minute reached; retry after {retryAfter} s"));
            return;
        }

        await next(context);
    }
}
