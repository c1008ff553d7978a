using System.Globalization;
using Cualify.Appliance.Core.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.LocalApi.Health;

/// <summary>Counts API requests by route template and status, so unknown paths do not create series.</summary>
public sealed class HttpMetricsMiddleware(RequestDelegate next, ApplianceMetrics metrics)
{
    private readonly Counter _requests = metrics.Counter("cualify_http_requests_total", "HTTP requests answered, by method, route and status", "method", "route", "status");

    public async Task InvokeAsync(HttpContext context)
    {
        // The status is read once the response is complete: an exception thrown past this middleware is turned
        // into its 4xx/5xx by the exception handler further out, after this method has returned. The route is
        // read here, before that handler clears the endpoint.
        string? route = null;
        context.Response.OnCompleted(() =>
        {
            _requests.Inc(context.Request.Method, route ?? "unmatched", context.Response.StatusCode.ToString(CultureInfo.InvariantCulture));
            return Task.CompletedTask;
        });
        try
        {
            await next(context);
        }
        finally
        {
            route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        }
    }
}
