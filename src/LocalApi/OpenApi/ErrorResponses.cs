using System.Reflection;
using Cualify.Appliance.LocalApi.Auth;
using Cualify.Appliance.LocalApi.Errors;
using Cualify.Appliance.LocalApi.Idempotency;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.LocalApi.OpenApi;

/// <summary>A partial update read as free-form JSON: its body takes any of <paramref name="Shape"/>'s fields, none required.</summary>
public sealed record PartialBodyOf(Type Shape);

/// <summary>Error statuses an endpoint can answer beyond the ones <see cref="ErrorResponses"/> infers.</summary>
public sealed record DeclaredErrors(IReadOnlyList<int> Statuses);

/// <summary>
/// Declares the error envelope as a response of every endpoint, for each status it can answer: inferred from the
/// endpoint's own metadata (a key is needed, a route id, a body or query, idempotency) plus any it declares.
/// </summary>
public static class ErrorResponses
{
    public static readonly IReadOnlyDictionary<int, (string Code, string Meaning)> Meanings = new Dictionary<int, (string, string)>
    {
        [400] = ("invalid_request", "malformed JSON, a parameter out of range or of the wrong type; param names it."),
        [401] = ("unauthorized", "the API key is missing, unknown, revoked or expired."),
        [402] = ("insufficient_credits", "the balance does not cover the minimum reservation."),
        [403] = ("forbidden", "the key's scope or IP allowlist does not allow this, or the org may not do it now; details.reason says why."),
        [404] = ("not_found", "no such resource in this org (another org's id is not found too)."),
        [409] = ("conflict", "the Idempotency-Key was used with another body, or the resource's state does not allow this."),
        [413] = ("invalid_request", "the request body is too large."),
        [415] = ("invalid_request", "Content-Type must be application/json."),
        [422] = ("invalid_request", "validation failed; details holds formErrors and fieldErrors per field."),
        [429] = ("too_many_requests", "past the rate limit; wait Retry-After seconds."),
        [500] = ("internal_error", "something failed on the appliance and was logged; retry after a moment."),
        [502] = ("upstream_error", "an outside service (provider, receiver) failed."),
        [503] = ("upstream_error", "the appliance is not ready; details.checks says which dependency fails."),
    };

    /// <summary>Adds error statuses this endpoint can answer that its metadata does not show.</summary>
    public static TBuilder WithErrors<TBuilder>(this TBuilder builder, params int[] statuses)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DeclaredErrors(statuses));

    /// <summary>Documents a free-form JSON body as <typeparamref name="TShape"/> with every field optional.</summary>
    public static RouteHandlerBuilder AcceptsPartial<TShape>(this RouteHandlerBuilder builder) =>
        builder.WithMetadata(new PartialBodyOf(typeof(TShape)));

    /// <summary>Runs after every endpoint's own conventions, so it sees their metadata.</summary>
    public static TBuilder DeclareErrorResponses<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.Finally(endpoint =>
        {
            foreach (var status in StatusesOf(endpoint))
            {
                endpoint.Metadata.Add(new ProducesResponseTypeMetadata(status, typeof(ErrorEnvelope), ["application/json"]));
            }
        });
        return builder;
    }

    private static SortedSet<int> StatusesOf(EndpointBuilder endpoint)
    {
        var statuses = new SortedSet<int> { 500 };
        var pattern = (endpoint as RouteEndpointBuilder)?.RoutePattern;
        var isApi = pattern?.RawText?.StartsWith(ApiKeyMiddleware.ApiPrefix, StringComparison.OrdinalIgnoreCase) == true;
        if (isApi)
        {
            statuses.Add(429);
            if (!endpoint.Metadata.OfType<PublicEndpoint>().Any())
            {
                statuses.UnionWith([401, 403]);
            }
        }

        if (pattern?.Parameters.Count > 0)
        {
            statuses.Add(404);
        }

        var handler = endpoint.Metadata.OfType<MethodInfo>().FirstOrDefault();
        var hasQuery = handler?.GetParameters().Any(p => p.GetCustomAttribute<AsParametersAttribute>() is not null) == true;
        var hasBody = endpoint.Metadata.OfType<IAcceptsMetadata>().Any();
        if (hasQuery || hasBody)
        {
            statuses.Add(400);
        }

        if (hasBody)
        {
            statuses.UnionWith([415, 422]);
        }

        if (endpoint.Metadata.OfType<Idempotent>().Any())
        {
            statuses.Add(409);
        }

        foreach (var declared in endpoint.Metadata.OfType<DeclaredErrors>())
        {
            statuses.UnionWith(declared.Statuses);
        }

        return statuses;
    }
}
