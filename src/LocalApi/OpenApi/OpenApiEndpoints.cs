using Cualify.Appliance.LocalApi.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.LocalApi.OpenApi;

/// <summary>Serves the generated document at <c>/api/v1/openapi.json</c>, without a key.</summary>
public static class OpenApiEndpoints
{
    public const string Path = "/api/v1/openapi.json";
    public const string DocumentName = "v1";

    public static IEndpointRouteBuilder MapApplianceOpenApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi(Path).AllowWithoutKey();
        return app;
    }
}
