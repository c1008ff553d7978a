using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.LocalApi.Errors;
using Microsoft.AspNetCore.Http;

namespace Cualify.Appliance.LocalApi.Auth;

/// <summary>Refuses a caller whose scope is below what the endpoint needs, before any binding or work.</summary>
public sealed class ScopeMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var caller = context.Features.Get<ApiCaller>();
        var endpoint = context.GetEndpoint();
        if (caller is not null && endpoint is not null)
        {
            var required = endpoint.Metadata.GetMetadata<RequiredScope>()?.Scope ?? DefaultFor(context.Request.Method);
            if (!caller.Scope.Includes(required))
            {
                await ApiErrors.WriteAsync(context, ApplianceException.Forbidden("insufficient_scope",
                    $"This needs a key with {required.Name()} scope; this key has {caller.Scope.Name()}"));
                return;
            }
        }

        await next(context);
    }

    private static Scope DefaultFor(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) ? Scope.Read : Scope.Write;
}
