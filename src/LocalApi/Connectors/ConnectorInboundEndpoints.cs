using Cualify.Appliance.Core.Api;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.LocalApi.Auth;
using Cualify.Appliance.LocalApi.Json;
using Cualify.Appliance.LocalApi.OpenApi;
using Cualify.Appliance.Relay.Connectors.Inbound;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.LocalApi.Connectors;

/// <summary>
/// <c>POST /connectors/{id}/inbound</c>, reached without a key: a CRM workflow's request, accepted when signed with
/// HubSpot's v3 signature or carrying the connector's secret header, stored before it is answered, and turned
/// into a <c>sequences/start</c> from the store.
/// </summary>
public static class ConnectorInboundEndpoints
{
    /// <summary>A CRM workflow can post for every contact it enrolls, from a few addresses.</summary>
    public const int RequestsPerMinutePerAddress = 6_000;

    public static IEndpointRouteBuilder MapConnectorInbound(this IEndpointRouteBuilder api)
    {
        api.MapPost("/connectors/{id}/inbound", ReceiveAsync)
            .AllowWithoutKey()
            .WithAnonymousRateLimit(RequestsPerMinutePerAddress)
            .WithTags("Connectors")
            .Accepts<InboundPayload>("application/json", "application/x-www-form-urlencoded")
            .WithErrors(401, 413)
            .WithSummary("Receive a CRM workflow request")
            .WithDescription("Where a HubSpot or Zoho workflow posts a contact to start the connector's sequence (options.inbound_template_id). Needs no API key: the request must carry X-HubSpot-Signature-v3 with X-HubSpot-Request-Timestamp (signed with credentials.app_secret, at most 5 minutes old) or X-Cualify-Connector-Secret with the inbound secret; anything else is 401. The request is stored and answered at once; the inbound log shows what it started. A CRM's retry of the same request starts nothing twice.");
        return api;
    }

    private static async Task<Ok<DataOf<InboundAcceptedView>>> ReceiveAsync(string id, HttpContext context, InboundReceiver receiver, IOptions<ApiOptions> api)
    {
        var request = context.Request;
        if (request.ContentLength > InboundReceiver.MaxBodyBytes)
        {
            throw new ApplianceException(ErrorKind.TooLarge, $"An inbound request may be at most {InboundReceiver.MaxBodyBytes / 1024} KB");
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, context.RequestAborted);
        if (buffer.Length > InboundReceiver.MaxBodyBytes)
        {
            throw new ApplianceException(ErrorKind.TooLarge, $"An inbound request may be at most {InboundReceiver.MaxBodyBytes / 1024} KB");
        }

        var pathAndQuery = $"{request.PathBase}{request.Path}{request.QueryString}";
        // Behind a reverse proxy the CRM signed the public URL, not the one Kestrel sees.
        var url = api.Value.PublicBase is { } publicBase
            ? publicBase.GetLeftPart(UriPartial.Authority) + pathAndQuery
            : $"{request.Scheme}://{request.Host}{pathAndQuery}";
        var received = await receiver.ReceiveAsync(id, new InboundRequest(
            request.Method,
            url,
            buffer.ToArray(),
            request.ContentType,
            Header(request, InboundSignature.SignatureHeader),
            Header(request, InboundSignature.TimestampHeader),
            Header(request, InboundSignature.SecretHeader)), context.RequestAborted);
        return TypedResults.Ok(Envelopes.Wrap(new InboundAcceptedView(received, "accepted")));
    }

    private static string? Header(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value.ToString()) ? value.ToString() : null;
}
