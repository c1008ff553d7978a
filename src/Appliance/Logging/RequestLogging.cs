using Cualify.Appliance.LocalApi.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Serilog;
using Serilog.Events;

namespace Cualify.Appliance.Logging;

/// <summary>
/// One log line per request: method, path (never the query string, which may carry numbers or emails), status,
/// time, and the calling org and key id (never the key). Health probes and scrapes that succeed are Debug.
/// </summary>
public static class RequestLogging
{
    private static readonly string[] ProbePaths = ["/healthz", "/readyz", "/metrics"];

    public static WebApplication UseApplianceRequestLogging(this WebApplication app)
    {
        app.UseSerilogRequestLogging(options =>
        {
            options.MessageTemplate = "HTTP {RequestMethod} {RequestPath} answered {StatusCode} in {Elapsed:0.0} ms";
            options.GetLevel = Level;
            options.EnrichDiagnosticContext = (diagnostics, context) =>
            {
                if (context.Features.Get<ApiCaller>() is { } caller)
                {
                    diagnostics.Set("OrgId", caller.OrgId);
                    diagnostics.Set("KeyId", caller.Key.Id);
                }
            };
        });
        return app;
    }

    private static LogEventLevel Level(HttpContext context, double elapsedMs, Exception? exception) =>
        exception is not null || context.Response.StatusCode >= 500 ? LogEventLevel.Error
        : context.Response.StatusCode < 400 && ProbePaths.Contains(context.Request.Path.Value, StringComparer.OrdinalIgnoreCase) ? LogEventLevel.Debug
        : LogEventLevel.Information;
}
