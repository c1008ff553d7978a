using Cualify.Appliance.OperatorConsole.Sessions;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Errors;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cualify.Appliance.OperatorConsole.Actions;

/// <summary>The scope a console action needs (write unless it says otherwise).</summary>
public sealed record ConsoleScope(Scope Scope);

/// <summary>
/// Every console action is a form POST under one group whose filter checks, before the action runs, the
/// anti-forgery token (missing or wrong: 400) and the session's scope (too little: 403); a Core refusal becomes a
/// page that says what went wrong, with the status the API would give.
/// </summary>
public static class ConsoleActions
{
    public static RouteGroupBuilder MapConsoleActionGroup(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(ConsolePaths.Root).ExcludeFromDescription();
        // Validated by the filter below, after binding and before anything runs, so that a refusal is the console's page.
        group.DisableAntiforgery();
        group.AddEndpointFilter(async (invocation, next) =>
        {
            var context = invocation.HttpContext;
            var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>();
            if (await UnreadableFormAsync(context) is { } unreadable)
            {
                return unreadable;
            }

            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return Refusal(StatusCodes.Status400BadRequest, "The form's anti-forgery token is missing or wrong; reload the page and try again.");
            }

            var needed = context.GetEndpoint()?.Metadata.GetMetadata<ConsoleScope>()?.Scope ?? Scope.Write;
            var session = context.ConsoleSession();
            if (session is not null && !session.May(needed))
            {
                return Refusal(StatusCodes.Status403Forbidden, $"This needs a key with {needed.Name()} scope; you signed in with {session.Scope.Name()}.");
            }

            try
            {
                return await next(invocation);
            }
            catch (ApplianceException refused)
            {
                return Refusal(StatusOf(refused.Kind), refused.Message);
            }
        });
        return group;
    }

    /// <summary>
    /// Reads the form before anti-forgery does, so that a body past the form limits (a value over 4 MiB, too many
    /// fields, a broken multipart) is the console's 400 page rather than an exception from inside the token check.
    /// </summary>
    private static async Task<IResult?> UnreadableFormAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            return Refusal(StatusCodes.Status400BadRequest, "The console only takes its own forms; reload the page and try again.");
        }

        try
        {
            await context.Request.ReadFormAsync(context.RequestAborted);
            return null;
        }
        catch (Exception error) when (error is InvalidDataException or BadHttpRequestException or IOException && !context.RequestAborted.IsCancellationRequested)
        {
            return Refusal(StatusCodes.Status400BadRequest, "The form could not be read: it is malformed or larger than the console accepts.");
        }
    }

    public static TBuilder NeedsScope<TBuilder>(this TBuilder builder, Scope scope)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new ConsoleScope(scope));

    /// <summary>Post/redirect/get: after an action the browser loads a page again with a 303.</summary>
    public static IResult SeeOther(string location) => new SeeOtherResult(location);

    public static IResult Refusal(int status, string message) => new RefusalResult(status, message);

    private static int StatusOf(ErrorKind kind) => kind switch
    {
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.Conflict => StatusCodes.Status409Conflict,
        ErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        ErrorKind.InsufficientCredits => StatusCodes.Status402PaymentRequired,
        ErrorKind.TooManyRequests => StatusCodes.Status429TooManyRequests,
        ErrorKind.Upstream => StatusCodes.Status502BadGateway,
        _ => StatusCodes.Status400BadRequest,
    };

    private sealed record SeeOtherResult(string Location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = Location;
            return Task.CompletedTask;
        }
    }

    private sealed record RefusalResult(int Status, string Message) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => ConsoleResponses.PlainAsync(httpContext, Status, Message);
    }
}
