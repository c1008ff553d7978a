using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.OperatorConsole.Actions;
using Cualify.Appliance.OperatorConsole.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.OperatorConsole.Contacts;

/// <summary>Contacts' actions through the API's ContactStore: opt out (a channel or all) and erase.</summary>
public static class ContactEndpoints
{
    public const string ConsoleSource = "console";

    public static string OptOutPath(string id) => $"{ConsolePaths.Contacts}/{Uri.EscapeDataString(id)}/opt-out";

    public static string ErasePath(string id) => $"{ConsolePaths.Contacts}/{Uri.EscapeDataString(id)}/erase";

    public static RouteGroupBuilder MapContactActions(this RouteGroupBuilder console)
    {
        console.MapPost("/contacts/{id}/opt-out", OptOutAsync);
        console.MapPost("/contacts/{id}/erase", EraseAsync);
        return console;
    }

    private static async Task<IResult> OptOutAsync(string id, HttpContext context, ContactStore contacts)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var channel = form["channel"].ToString() is { Length: > 0 } given ? given : ContactChannel.All;
        await contacts.OptOutAsync(context.RequireConsoleSession().OrgId, id, channel, ConsoleSource, context.RequestAborted);
        var back = ConsolePaths.LocalOrLive(form["return_to"]);
        return ConsoleActions.SeeOther(back.StartsWith(ConsolePaths.Contacts, StringComparison.Ordinal) ? back : ConsolePaths.Contacts);
    }

    private static async Task<IResult> EraseAsync(string id, HttpContext context, ContactStore contacts)
    {
        await contacts.EraseAsync(context.RequireConsoleSession().OrgId, id, context.RequestAborted);
        return ConsoleActions.SeeOther(ConsolePaths.Contacts + "?erased=1");
    }
}
