using Cualify.Appliance.Core.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace Cualify.Appliance.LocalApi.Json;

/// <summary>
/// The one reader of JSON request bodies: for every endpoint that accepts JSON it reads the body (at most
/// <see cref="MaxBytes"/>), runs <see cref="JsonBodyCheck"/> and hands the checked bytes on to binding, so
/// duplicate keys, invalid text and deep nesting are refused the same way on every endpoint. Query parameters
/// holding a NUL are refused here too, before binding.
/// </summary>
public sealed class JsonBodyMiddleware(RequestDelegate next)
{
    /// <summary>Room for the largest valid body: a template of 20 steps whose Liquid bodies may each be 100,000 characters.</summary>
    public const int MaxBytes = 8 * 1024 * 1024;

    public async Task InvokeAsync(HttpContext context)
    {
        foreach (var (name, values) in context.Request.Query)
        {
            foreach (var value in values)
            {
                NulCharacter.Refuse(value ?? "", name);
            }
        }

        if (!AcceptsJson(context) || !HasJsonBody(context.Request))
        {
            await next(context);
            return;
        }

        if (context.Request.ContentLength > MaxBytes)
        {
            throw TooLarge();
        }

        var body = await ReadAsync(context.Request.Body, context.RequestAborted);
        JsonBodyCheck.Check(body);
        context.Request.Body = new MemoryStream(body, writable: false);
        await next(context);
    }

    private static bool AcceptsJson(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>() is { } accepts
        && accepts.ContentTypes.Any(type => type.Contains("json", StringComparison.OrdinalIgnoreCase));

    private static bool HasJsonBody(HttpRequest request) =>
        request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != false
        && request.ContentLength != 0
        && request.ContentType is { } type
        && (type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            || type.Split(';')[0].Trim().EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    private static async Task<byte[]> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                throw TooLarge();
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static ApplianceException TooLarge() =>
        new(ErrorKind.TooLarge, $"The JSON body is larger than {MaxBytes / (1024 * 1024)} MiB");
}
