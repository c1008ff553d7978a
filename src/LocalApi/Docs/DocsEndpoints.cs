using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.LocalApi.Docs;

/// <summary><c>/docs</c>: a self-contained page (no CDN, the box may be offline) rendering the OpenAPI document.</summary>
public static class DocsEndpoints
{
    private static readonly Lazy<string> Page = new(() =>
    {
        using var stream = typeof(DocsEndpoints).Assembly.GetManifestResourceStream("Cualify.Appliance.LocalApi.Docs.docs.html")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    public static IEndpointRouteBuilder MapDocs(this IEndpointRouteBuilder app)
    {
        app.MapGet("/docs", () => TypedResults.Content(Page.Value, "text/html; charset=utf-8")).ExcludeFromDescription();
        return app;
    }
}
