using Cualify.Appliance.OperatorConsole.Actions;
using Cualify.Appliance.Core.ApiKeys;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.OperatorConsole.Sessions;

/// <summary>Sign in with an API key, switch org (operator keys), sign out.</summary>
public static class SessionEndpoints
{
    public static RouteGroupBuilder MapSessions(this RouteGroupBuilder console)
    {
        console.MapPost("/session", SignInAsync).NeedsScope(Scope.Read);
        console.MapPost("/session/org", SwitchOrgAsync).NeedsScope(Scope.Read);
        console.MapPost("/session/end", SignOut).NeedsScope(Scope.Read);
        return console;
    }

    private static async Task<IResult> SignInAsync([FromForm(Name = "api_key")] string? apiKey, HttpContext context, ConsoleSessions sessions) =>
        await sessions.BeginAsync(context, apiKey ?? "")
            ? ConsoleActions.SeeOther(ConsolePaths.Live)
            : ConsoleActions.SeeOther(ConsolePaths.SignIn + "?refused=1");

    private static async Task<IResult> SwitchOrgAsync([FromForm(Name = "org_id")] string? orgId, [FromForm(Name = "return_to")] string? returnTo, HttpContext context, ConsoleSessions sessions)
    {
        var session = context.RequireConsoleSession();
        if (string.IsNullOrEmpty(orgId) || !await sessions.SwitchOrgAsync(context, session, orgId))
        {
            return ConsoleActions.Refusal(StatusCodes.Status404NotFound, "No such org, or this key cannot switch org.");
        }

        return ConsoleActions.SeeOther(ConsolePaths.LocalOrLive(returnTo));
    }

    private static IResult SignOut(HttpContext context, ConsoleSessions sessions)
    {
        sessions.End(context);
        return ConsoleActions.SeeOther(ConsolePaths.SignIn);
    }
}
