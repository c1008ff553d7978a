using Cualify.Appliance.Core.Json;
using Cualify.Appliance.LocalApi.Limits;
using Cualify.Appliance.LocalApi.OpenApi;
using Cualify.Appliance.LocalApi.RateLimits;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Cualify.Appliance.LocalApi;

public static class LocalApiServiceCollectionExtensions
{
    /// <summary>JSON in the contract's shape, binding failures surfaced as exceptions, limits and OpenAPI.</summary>
    public static IServiceCollection AddLocalApi(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(options => ApplianceJson.Configure(options.SerializerOptions));
        // Binding failures (malformed JSON, wrong types) must reach the one error writer, not a bare 400.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.Configure<KestrelServerOptions>(options => RequestSizeLimits.Apply(options.Limits));
        services.AddSingleton<ApiRateLimits>();
        services.AddApplianceOpenApi();
        return services;
    }
}
