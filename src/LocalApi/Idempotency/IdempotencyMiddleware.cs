using System.Security.Cryptography;
using System.Text;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Idempotency;
using Cualify.Appliance.LocalApi.Auth;
using Cualify.Appliance.LocalApi.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Cualify.Appliance.LocalApi.Idempotency;

/// <summary>Marks a creating endpoint that honours the <c>Idempotency-Key</c> header.</summary>
public sealed record Idempotent;

public static class IdempotentExtensions
{
    public static TBuilder WithIdempotency<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new Idempotent());
}

/// <summary>
/// For idempotent endpoints with an <c>Idempotency-Key</c>: the first request runs and its successful response
/// is remembered; a repeat with the same key and body gets that response again (<c>Idempotent-Replayed: true</c>);
/// the same key with another body is <c>409 conflict</c>. Failed requests are forgotten so they can be retried.
/// </summary>
public sealed class IdempotencyMiddleware(RequestDelegate next, IdempotencyRecords records)
{
    public const string Header = "Idempotency-Key";

    public async Task InvokeAsync(HttpContext context)
    {
        var key = context.Request.Headers[Header].ToString();
        var caller = context.Features.Get<ApiCaller>();
        if (string.IsNullOrEmpty(key) || caller is null || context.GetEndpoint()?.Metadata.GetMetadata<Idempotent>() is null)
        {
            await next(context);
            return;
        }

        if (key.Length > 255)
        {
            await ApiErrors.WriteAsync(context, ApplianceException.BadRequest("Idempotency-Key must be at most 255 characters", Header));
            return;
        }

        var fingerprint = await FingerprintAsync(context.Request);
        var decision = await records.BeginAsync(caller.OrgId, key, fingerprint, context.RequestAborted);
        switch (decision.Outcome)
        {
            case IdempotencyOutcome.Mismatch:
                await ApiErrors.WriteAsync(context, ApplianceException.Conflict("This Idempotency-Key was already used with a different request", Header));
                return;
            case IdempotencyOutcome.InProgress:
                await ApiErrors.WriteAsync(context, ApplianceException.Conflict("A request with this Idempotency-Key is still running; retry shortly", Header));
                return;
            case IdempotencyOutcome.Replay:
                context.Response.StatusCode = decision.StatusCode;
                context.Response.ContentType = "application/json; charset=utf-8";
                context.Response.Headers["Idempotent-Replayed"] = "true";
                await context.Response.WriteAsync(decision.ResponseBody ?? "", context.RequestAborted);
                return;
        }

        var original = context.Response.Body;
        using var captured = new MemoryStream();
        context.Response.Body = captured;
        var completed = false;
        try
        {
            await next(context);
            if (context.Response.StatusCode is >= 200 and < 300)
            {
                await records.CompleteAsync(caller.OrgId, key, context.Response.StatusCode, Encoding.UTF8.GetString(captured.ToArray()), CancellationToken.None);
                completed = true;
            }
        }
        finally
        {
            context.Response.Body = original;
            if (!completed)
            {
                await records.AbandonAsync(caller.OrgId, key, CancellationToken.None);
            }

            captured.Position = 0;
            await captured.CopyToAsync(original, CancellationToken.None);
        }
    }

    private static async Task<string> FingerprintAsync(HttpRequest request)
    {
        request.EnableBuffering();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}\n"));
        var buffer = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, request.HttpContext.RequestAborted)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }

        request.Body.Position = 0;
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
