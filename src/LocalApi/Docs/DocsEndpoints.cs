using Cualify.Appliance.LocalApi.OpenApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Scalar.AspNetCore;

namespace Cualify.Appliance.LocalApi.Docs;

/// <summary>
/// <c>/docs</c>: the interactive reference (Scalar, its script served from the package: no CDN, no web fonts,
/// no telemetry, so it works on a box without internet), and <c>/llms.txt</c>, the same document as a plain map.
/// </summary>
public static class DocsEndpoints
{
    public const string DocsPath = "/docs";
    public const string LlmsPath = "/llms.txt";

    public static IEndpointRouteBuilder MapDocs(this IEndpointRouteBuilder app)
    {
        app.MapScalarApiReference(DocsPath, options =>
        {
            options.Title = "Cualify Appliance API";
            options.OpenApiRoutePattern = OpenApiEndpoints.Path;
            options.DefaultFonts = false;
            options.Telemetry = false;
            options.AddDocument(OpenApiEndpoints.DocumentName);
            options.DisableAgent();
            options.DisableMcp();
            options.HideClientButton();
            options.ExpandAllTags();
            options.AddPreferredSecuritySchemes("bearer");
        });
        app.MapGet(LlmsPath, LlmsAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task<ContentHttpResult> LlmsAsync(
        HttpRequest request, [FromKeyedServices(OpenApiEndpoints.DocumentName)] IOpenApiDocumentProvider provider, CancellationToken cancellationToken)
    {
        var document = await provider.GetOpenApiDocumentAsync(cancellationToken);
        var origin = $"{request.Scheme}://{request.Host}";
        return TypedResults.Text(LlmsText.Render(document, origin), "text/plain; charset=utf-8");
    }
}
