using Cualify.Appliance.Core.ApiKeys;
using Microsoft.AspNetCore.Builder;

namespace Cualify.Appliance.LocalApi.Auth;

/// <summary>The scope an endpoint needs beyond the default (read for GET, write otherwise).</summary>
public sealed record RequiredScope(Scope Scope);

/// <summary>Marks an endpoint under <c>/api/v1</c> that takes no key (public unsubscribe and tracking links).</summary>
public sealed record PublicEndpoint;

/// <summary>
/// The per-address limit for requests without a key on this endpoint, when the default is too low for it (signed
/// provider callbacks, which arrive from a few of the provider's addresses for every call).
/// </summary>
public sealed record AnonymousRateLimit(int PerMinute);

public static class EndpointPolicyExtensions
{
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, Scope scope)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredScope(scope));

    public static TBuilder AllowWithoutKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new PublicEndpoint());

    public static TBuilder WithAnonymousRateLimit<TBuilder>(this TBuilder builder, int perMinute)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AnonymousRateLimit(perMinute));
}
