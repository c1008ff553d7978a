using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.OperatorConsole.Actions;
using Cualify.Appliance.OperatorConsole.Sessions;
using Cualify.Appliance.Relay.Connectors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.OperatorConsole.Connectors;

/// <summary>Connectors' action, admin scope as in the API: retry a failed CRM write.</summary>
public static class ConnectorEndpoints
{
    public static string PagePath(string id) => $"{ConsolePaths.Connectors}/{Uri.EscapeDataString(id)}";

    public static string RetryPath(string id, string syncId) => $"{PagePath(id)}/syncs/{Uri.EscapeDataString(syncId)}/retry";

    public static RouteGroupBuilder MapConnectorActions(this RouteGroupBuilder console)
    {
        console.MapPost("/connectors/{id}/syncs/{syncId}/retry", RetryAsync).NeedsScope(Scope.Admin);
        return console;
    }

    private static async Task<IResult> RetryAsync(string id, string syncId, HttpContext context, ConnectorStore connectors, ConnectorSyncs syncs)
    {
        var connector = await connectors.RequireAsync(context.RequireConsoleSession().OrgId, id, context.RequestAborted);
        await syncs.RetryAsync(connector.Id, syncId, context.RequestAborted);
        return ConsoleActions.SeeOther(PagePath(id) + "?retried=1");
    }
}
