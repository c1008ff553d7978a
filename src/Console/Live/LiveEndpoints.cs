using Cualify.Appliance.OperatorConsole.Actions;
using Cualify.Appliance.OperatorConsole.Sessions;
using Cualify.Appliance.Core.Calls;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.OperatorConsole.Live;

/// <summary>Live's update stream and its action: hang up a call (the API's cancel, through the same Core lifecycle).</summary>
public static class LiveEndpoints
{
    public const string StreamPath = ConsolePaths.Live + "/stream";

    public static string HangupPath(string callId) => $"{ConsolePaths.Root}/calls/{Uri.EscapeDataString(callId)}/hangup";

    /// <summary>The update stream (a GET, outside the action group: it changes nothing).</summary>
    public static IEndpointRouteBuilder MapLiveStream(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(StreamPath, (HttpContext context, LiveStream stream) => stream.RunAsync(context)).ExcludeFromDescription();
        return routes;
    }

    public static RouteGroupBuilder MapLiveActions(this RouteGroupBuilder console)
    {
        console.MapPost("/calls/{id}/hangup", HangupAsync);
        return console;
    }

    private static async Task<IResult> HangupAsync(string id, HttpContext context, CallLifecycle lifecycle)
    {
        await lifecycle.CancelAsync(context.RequireConsoleSession().OrgId, id, context.RequestAborted);
        return ConsoleActions.SeeOther(ConsolePaths.Live);
    }
}
