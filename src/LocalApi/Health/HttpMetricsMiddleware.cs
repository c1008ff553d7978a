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
        try
        {
            await next(context);
        }
        finally
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            _requests.Inc(context.Request.Method, route, context.Response.StatusCode.ToString(CultureInfo.InvariantCulture));
        }
    }
}
