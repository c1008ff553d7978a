using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Cualify.Appliance.LocalApi.OpenApi;

/// <summary>The OpenAPI 3.1 document, generated from the endpoints' metadata by the transformers beside this file.</summary>
public static class OpenApiServiceCollectionExtensions
{
    public static IServiceCollection AddApplianceOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(OpenApiEndpoints.DocumentName, options =>
        {
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            options.ShouldInclude = description => description.RelativePath?.StartsWith("api/v1", StringComparison.Ordinal) == true
                                                   || description.RelativePath is "healthz" or "readyz" or "metrics";
            options.AddSchemaTransformer(WireSchemas.TransformAsync);
            options.AddOperationTransformer(OperationDocs.TransformAsync);
            options.AddDocumentTransformer((document, _, _) =>
            {
                DocumentDescription.Apply(document);
                BodyExamples.AddTo(document);
                return Task.CompletedTask;
            });
        });
}
