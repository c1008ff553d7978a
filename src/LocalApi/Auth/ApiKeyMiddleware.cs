using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.LocalApi.Errors;
using Microsoft.AspNetCore.Http;

namespace Cualify.Appliance.LocalApi.Auth;

/// <summary>
/// Authenticates <c>Authorization: Bearer cuk_live_…</c> on every <c>/api/v1</c> request except public
/// endpoints, then applies the key's IP allowlist. Any refused key gets the same 401, whatever the reason.
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyStore keys)
{
    public const string ApiPrefix = "/api/v1";

    public async Task InvokeAsync(HttpContext context)
    {
        if (!NeedsKey(context))
        {
            await next(context);
            return;
        }

        var presented = BearerToken(context.Request);
        if (presented is null)
        {
            await ApiErrors.WriteAsync(context, new ApplianceException(ErrorKind.Unauthorized,
                "Missing API key: send Authorization: Bearer cuk_live_<prefix>_<secret>"));
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
            await ApiErrors.WriteAsync(context, new ApplianceException(ErrorKind.Unauthorized, message));
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
