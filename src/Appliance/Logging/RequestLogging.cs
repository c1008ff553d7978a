using System.Text.RegularExpressions;
using Cualify.Appliance.LocalApi.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Serilog;
using Serilog.Events;

namespace Cualify.Appliance.Logging;

/// <summary>
/// One log line per request: method, path (never the query string, which may carry numbers or emails), status,
/// time, and the calling org and key id (never the key). A path segment that is a route's <c>{token}</c> (the
/// unsubscribe, open-tracking and recording links, which work without a key) is logged as <c>…</c>: the token
/// alone is the credential. Health probes and scrapes that succeed are Debug.
/// </summary>
public static partial class RequestLogging
{
    private static readonly string[] ProbePaths = ["/healthz", "/readyz", "/metrics"];

    public static WebApplication UseApplianceRequestLogging(this WebApplication app)
    {
        app.UseSerilogRequestLogging(options =>
        {
            options.MessageTemplate = "HTTP {RequestMethod} {RequestPath} answered {StatusCode} in {Elapsed:0.0} ms";
            options.GetLevel = Level;
            options.GetMessageTemplateProperties = (context, path, elapsed, status) =>
            [
                new LogEventProperty("RequestMethod", new ScalarValue(context.Request.Method)),
                new LogEventProperty("RequestPath", new ScalarValue(MaskTokens(context, path))),
                new LogEventProperty("StatusCode", new ScalarValue(status)),
                new LogEventProperty("Elapsed", new ScalarValue(elapsed)),
            ];
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

    /// <summary>
    /// The path with the value of any <c>token</c> route parameter replaced by <c>…</c>; a request that matched no
    /// route (a wrong method on a link) has the segment after a link prefix masked instead.
    /// </summary>
    public static string MaskTokens(HttpContext context, string path) =>
        context.Request.RouteValues.TryGetValue(TokenRouteValue, out var token) && token is string { Length: > 0 } value
            ? path.Replace(value, "…", StringComparison.Ordinal)
            : TokenLink().Replace(path, "${link}/…");

    private const string TokenRouteValue = "token";

    [GeneratedRegex(@"(?<link>/(?:unsubscribe|open|recordings))/[^/]+", RegexOptions.IgnoreCase)]
    private static partial Regex TokenLink();

    private static LogEventLevel Level(HttpContext context, double elapsedMs, Exception? exception) =>
        exception is not null || context.Response.StatusCode >= 500 ? LogEventLevel.Error
        : context.Response.StatusCode < 400 && ProbePaths.Contains(context.Request.Path.Value, StringComparer.OrdinalIgnoreCase) ? LogEventLevel.Debug
        : LogEventLevel.Information;
}
