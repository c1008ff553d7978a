using Cualify.Appliance.Core.RateLimits;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.LocalApi.Errors;
using Cualify.Appliance.LocalApi.RateLimits;
using Microsoft.AspNetCore.Http;

namespace Cualify.Appliance.LocalApi.Auth;

/// <summary>
/// Authenticates <c>Authorization: Bearer cuk_live_…</c> on every <c>/api/v1</c> request except public
/// endpoints, then applies the key's IP allowlist. Any refused key gets the same 401, whatever the reason.
/// Failed attempts count against the client address: past <see cref="FailedAttemptsPerMinute"/> in the window,
/// the address gets 429 before any key it sends is looked at, so guessing keys costs a minute per few tries.
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyStore keys, AuthenticationFailures failures)
{
    public const string ApiPrefix = "/api/v1";

    /// <summary>Enough for a person fixing a pasted key or a script's retries; far too few for guessing.</summary>
    public const int FailedAttemptsPerMinute = AuthenticationFailures.PerMinute;

    public async Task InvokeAsync(HttpContext context)
    {
        if (!NeedsKey(context))
        {
            await next(context);
            return;
        }

        var standing = failures.Standing(context.Connection.RemoteIpAddress);
        if (!standing.Allowed)
        {
            RateLimitHeaders.Write(context.Response, standing);
            await ApiErrors.WriteAsync(context, new ApplianceException(ErrorKind.TooManyRequests,
                $"Too many failed authentications from this address; retry after {standing.RetryAfterSeconds} s with a valid key"));
            return;
        }

        var presented = BearerToken(context.Request);
        if (presented is null)
        {
            await RefuseAsync(context, "Missing API key: send Authorization: Bearer cuk_live_<prefix>_<secret>");
            return;
        }

        var (key, refusal) = await keys.AuthenticateAsync(presented, context.RequestAborted);
        if (key is null)
        {
            var message = refusal switch
            {
                KeyRefusal.Malformed => "The API key is not in the form cuk_live_<prefix>_<secret>",
                _ => "The API key is unknown, revoked or expired",
            };
            await RefuseAsync(context, message);
            return;
        }

        if (!key.AllowsAddress(context.Connection.RemoteIpAddress))
        {
            await ApiErrors.WriteAsync(context, ApplianceException.Forbidden("ip_not_allowed",
                $"This key may not be used from {context.Connection.RemoteIpAddress}; its IP allowlist does not include it"));
            return;
        }

        context.Features.Set(new ApiCaller(key, key.OrgRateLimitPerMinute));
        await keys.TouchAsync(key, context.RequestAborted);
        await next(context);
    }

    /// <summary>The 401, counted against the address and carrying what is left of its failure budget.</summary>
    private Task RefuseAsync(HttpContext context, string message)
    {
        RateLimitHeaders.Write(context.Response, failures.Count(context.Connection.RemoteIpAddress));
        return ApiErrors.WriteAsync(context, new ApplianceException(ErrorKind.Unauthorized, message));
    }

    public static bool IsApiPath(HttpContext context) =>
        context.Request.Path.StartsWithSegments(ApiPrefix, StringComparison.OrdinalIgnoreCase);

    private static bool NeedsKey(HttpContext context) =>
        IsApiPath(context) && context.GetEndpoint()?.Metadata.GetMetadata<PublicEndpoint>() is null;

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        return header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) && header.Length > scheme.Length
            ? header[scheme.Length..].Trim()
            : null;
    }
}
