using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Health;
using Cualify.Appliance.Core.Metrics;
using Cualify.Appliance.LocalApi.Errors;
using Cualify.Appliance.LocalApi.OpenApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.LocalApi.Health;

/// <summary><c>/healthz</c> (the process is up), <c>/readyz</c> (its dependencies answer), <c>/metrics</c> (Prometheus).</summary>
public static class HealthEndpoints
{
    public sealed record Health(string Status);

    public sealed record Readiness(string Status, IReadOnlyDictionary<string, ReadinessCheckView> Checks);

    public sealed record ReadinessCheckView(bool Ready, string Detail);

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new Health("ok"))).WithTags("Health")
            .WithSummary("Liveness").WithDescription("Answers 200 while the process is up.");
        app.MapGet("/readyz", ReadyAsync).WithTags("Health").Produces<Readiness>().WithErrors(503)
            .WithSummary("Readiness").WithDescription("200 when the store, SMTP and the trunk answer; 503 with each failing check otherwise.");
        app.MapGet("/metrics", async (ApplianceMetrics metrics, CancellationToken cancellationToken) =>
            TypedResults.Text(await metrics.ScrapeAsync(cancellationToken), "text/plain; version=0.0.4; charset=utf-8")).WithTags("Health")
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .WithSummary("Prometheus metrics").WithDescription("Counters and gauges in the Prometheus text format: HTTP requests, calls by status, queue depths, deliveries.");
        return app;
    }

    private static async Task ReadyAsync(HttpContext context, IEnumerable<IReadinessCheck> checks)
    {
        var results = new Dictionary<string, ReadinessCheckView>();
        foreach (var check in checks)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            ReadinessResult result;
            try
            {
                result = await check.CheckAsync(timeout.Token);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
            {
                result = ReadinessResult.Failed(ex is OperationCanceledException ? "no answer within 5 s" : ex.Message);
            }

            results[check.Name] = new ReadinessCheckView(result.Ready, result.Detail);
        }

        var failed = results.Where(r => !r.Value.Ready).Select(r => $"{r.Key}: {r.Value.Detail}").ToList();
        if (failed.Count == 0)
        {
            await context.Response.WriteAsJsonAsync(new Readiness("ready", results), Cualify.Appliance.Core.Json.ApplianceJson.Options, context.RequestAborted);
            return;
        }

        await ApiErrors.WriteAsync(context, 503, new ErrorBody(ErrorCode.UpstreamError, "Not ready: " + string.Join("; ", failed), null,
            new Dictionary<string, object?> { ["checks"] = results }));
    }
}
