using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.OperatorConsole.Sessions;

/// <summary>
/// In front of every <c>/console</c> address: refuses plain http from another machine, resumes the session, and
/// sends a request without one to sign-in with a 303. Sign-in itself and the assets need no session.
/// </summary>
public sealed class ConsoleGate(RequestDelegate next, IOptions<ConsoleOptions> options)
{
    public async Task InvokeAsync(HttpContext context, ConsoleSessions sessions)
    {
        var path = context.Request.Path;
        if (!path.StartsWithSegments(ConsolePaths.Root, StringComparison.OrdinalIgnoreCase))
        {
            await next(context);
            return;
        }

        if (!TransportPolicy.Allows(context, options.Value))
        {
            await ConsoleResponses.PlainAsync(context, StatusCodes.Status403Forbidden,
                "The console is served over plain http only to this machine. Use https, or set Console:AllowPlainHttp=true if a TLS front end or a trusted network protects it.");
            return;
        }

        if (path.StartsWithSegments(ConsolePaths.Assets, StringComparison.OrdinalIgnoreCase))
        {
            await next(context);
            return;
        }

        // The value anti-forgery sets on pages with a token, so it has nothing to override (and warn about).
        context.Response.Headers.CacheControl = "no-cache, no-store";
        context.Response.Headers.Pragma = "no-cache";
        var session = await sessions.ResumeAsync(context);
        if (session is not null)
        {
            context.Features.Set(session);
        }

        if (session is null && !IsSignIn(context))
        {
            context.Response.StatusCode = StatusCodes.Status303SeeOther;
            context.Response.Headers.Location = ConsolePaths.SignIn;
            return;
        }

        await next(context);
    }

    private static bool IsSignIn(HttpContext context) =>
        (HttpMethods.IsGet(context.Request.Method) && context.Request.Path.Equals(ConsolePaths.SignIn, StringComparison.OrdinalIgnoreCase))
        || (HttpMethods.IsPost(context.Request.Method) && context.Request.Path.Equals(ConsolePaths.Session, StringComparison.OrdinalIgnoreCase));
}

/// <summary>Small answers the console writes itself (refusals and action failures), as text a person reads.</summary>
public static class ConsoleResponses
{
    public static async Task PlainAsync(HttpContext context, int status, string message)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync($"""
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Cualify console</title>
            <link rel="stylesheet" href="{ConsolePaths.Assets}/console.css"></head>
            <body><main class="refusal"><h1>Not done</h1><p role="alert">{WebUtility.HtmlEncode(message)}</p>
            <p><a href="{ConsolePaths.Live}">Back to the console</a></p></main></body></html>
            """, context.RequestAborted);
    }
}
