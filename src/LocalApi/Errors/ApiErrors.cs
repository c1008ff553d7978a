using System.Text.Json;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.LocalApi.Errors;

/// <summary>
/// The one place errors become responses: thrown <see cref="ApplianceException"/>s, request-binding failures
/// (malformed JSON, wrong types), bare status codes (unknown routes, wrong methods) and anything unexpected,
/// which is logged and answered as <c>internal_error</c> without internals.
/// </summary>
public static class ApiErrors
{
    /// <summary>The status nginx made common for a client that went away before the answer; nobody reads it.</summary>
    private const int ClientClosedRequest = 499;

    public static Task WriteAsync(HttpContext context, ApplianceException error) => WriteAsync(context, ApiError.From(error));

    public static Task WriteAsync(HttpContext context, ApiError error) => WriteAsync(context, error.Status, error.Body);

    public static async Task WriteAsync(HttpContext context, int status, ErrorBody body)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(context.Response.Body, new ErrorEnvelope(body), ApplianceJson.Options, context.RequestAborted);
    }

    /// <summary>The exception handler's delegate.</summary>
    public static Task HandleExceptionAsync(HttpContext context)
    {
        var exception = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        return WriteAsync(context, Translate(context, exception));
    }

    /// <summary>
    /// What the endpoint binds its body from: JSON for the API, a form for the console's actions. When routing itself
    /// refused the Content-Type it leaves only its own 415 endpoint behind, so the path says which side was asked.
    /// </summary>
    private static string AcceptedContentTypes(HttpContext context) =>
        (context.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? context.GetEndpoint())?.Metadata.GetMetadata<IAcceptsMetadata>() is { ContentTypes.Count: > 0 } accepts
            ? string.Join(" or ", accepts.ContentTypes)
            : context.Request.Path.StartsWithSegments("/console")
                ? "application/x-www-form-urlencoded or multipart/form-data"
                : "application/json";

    public static ApiError Translate(HttpContext context, Exception? exception)
    {
        switch (exception)
        {
            case ApplianceException known:
                return ApiError.From(known);
            case BadHttpRequestException badRequest when FindJsonError(badRequest) is { } json:
                return ApiError.From(FromJson(json));
            case BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType }:
                return new ApiError(StatusCodes.Status415UnsupportedMediaType, ErrorCode.InvalidRequest, $"Content-Type must be {AcceptedContentTypes(context)}");
            case BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }:
                return new ApiError(StatusCodes.Status413PayloadTooLarge, ErrorCode.InvalidRequest, "The request body is too large");
            case BadHttpRequestException badRequest when badRequest.Message.StartsWith("Required parameter", StringComparison.Ordinal)
                                                        || badRequest.Message.StartsWith("Implicit body", StringComparison.Ordinal):
                return ApiError.From(ApplianceException.BadRequest("A JSON request body is required"));
            case BadHttpRequestException badRequest:
                return ApiError.From(ApplianceException.BadRequest(BindingMessage(badRequest.Message)));
            case OperationCanceledException when context.RequestAborted.IsCancellationRequested:
                return new ApiError(ClientClosedRequest, ErrorCode.InvalidRequest, "The client closed the request");
            default:
                context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Cualify.Appliance.LocalApi")
                    .LogError(exception, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
                return new ApiError(StatusCodes.Status500InternalServerError, ErrorCode.InternalError,
                    "Something went wrong on the appliance; it has been logged. Retry after a moment.");
        }
    }

    /// <summary>Status codes set without a body (no route, wrong method) get the envelope too.</summary>
    public static Task WriteStatusCodeAsync(Microsoft.AspNetCore.Diagnostics.StatusCodeContext statusContext)
    {
        var context = statusContext.HttpContext;
        var status = context.Response.StatusCode;
        var body = status switch
        {
            404 => new ErrorBody(ErrorCode.NotFound, $"No resource at {context.Request.Method} {context.Request.Path}", null, null),
            405 => new ErrorBody(ErrorCode.InvalidRequest, $"{context.Request.Method} is not allowed on {context.Request.Path}", null, null),
            415 => new ErrorBody(ErrorCode.InvalidRequest, $"Content-Type must be {AcceptedContentTypes(context)}", null, null),
            401 => new ErrorBody(ErrorCode.Unauthorized, "A valid API key is required", null, null),
            403 => new ErrorBody(ErrorCode.Forbidden, "Not allowed", null, null),
            416 => new ErrorBody(ErrorCode.InvalidRequest, "The Range asked for is not within the file (see Content-Range for its length)", null, null),
            429 => new ErrorBody(ErrorCode.TooManyRequests, "Too many requests", null, null),
            >= 500 => new ErrorBody(ErrorCode.InternalError, "Something went wrong on the appliance", null, null),
            _ => new ErrorBody(ErrorCode.InvalidRequest, "The request could not be processed", null, null),
        };
        return WriteAsync(context, status, body);
    }

    private static JsonException? FindJsonError(Exception exception)
    {
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is JsonException json)
            {
                return json;
            }
        }

        return null;
    }

    private static ApplianceException FromJson(JsonException json)
    {
        var param = string.IsNullOrEmpty(json.Path) || json.Path == "$" ? null : json.Path.TrimStart('$', '.');
        if (json.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal) && param is not null)
        {
            return ApplianceException.BadRequest($"{param} has the wrong type", param);
        }

        if (json.InnerException is null && !json.Message.Contains("Path:", StringComparison.Ordinal) && param is not null)
        {
            return ApplianceException.BadRequest($"{param} {json.Message}", param);
        }

        var where = json.LineNumber is { } line ? $" (line {line + 1}, byte {json.BytePositionInLine + 1})" : "";
        return ApplianceException.BadRequest($"Malformed JSON{where}: the body must be one valid JSON object");
    }

    private static string BindingMessage(string message) =>
        message.StartsWith("Failed to bind parameter", StringComparison.Ordinal) ? "A parameter has the wrong format" : message;
}
