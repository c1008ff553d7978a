using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Cualify.Appliance.LocalApi.Auth;
using Microsoft.OpenApi;

namespace Cualify.Appliance.LocalApi.OpenApi;

/// <summary>The OpenAPI 3.1 document, generated from the endpoints, served at <c>/api/v1/openapi.json</c>.</summary>
public static class OpenApiSetup
{
    public const string Path = "/api/v1/openapi.json";

    public static IServiceCollection AddApplianceOpenApi(this IServiceCollection services) =>
        services.AddOpenApi("v1", options =>
        {
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            options.ShouldInclude = description => description.RelativePath?.StartsWith("api/v1", StringComparison.Ordinal) == true
                                                   || description.RelativePath is "healthz" or "readyz" or "metrics";
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Cualify Appliance API",
                    Version = "v1",
                    Description = "The Cualify v1 REST API served by the appliance. Authenticate with Authorization: Bearer cuk_live_<prefix>_<secret>.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An API key: cuk_live_<prefix8>_<secret32>",
                };
                document.Security ??= [];
                document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] });
                return Task.CompletedTask;
            });
        });

    public static IEndpointRouteBuilder MapApplianceOpenApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi(Path).AllowWithoutKey();
        return app;
    }
}
