using Cualify.Appliance.Core.Campaigns;
using Cualify.Appliance.OperatorConsole.Actions;
using Cualify.Appliance.OperatorConsole.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.OperatorConsole.Campaigns;

/// <summary>Campaigns' actions: create, start, pause, resume and stop, through the API's CampaignStore.</summary>
public static class CampaignEndpoints
{
    public const string CreatePath = ConsolePaths.Campaigns + "/create";

    public static string PagePath(string id) => $"{ConsolePaths.Campaigns}/{Uri.EscapeDataString(id)}";

    public static string ActionPath(string id, string action) => $"{PagePath(id)}/{action}";

    /// <summary>What each status may do next, in the order the buttons show.</summary>
    public static IReadOnlyList<string> ActionsFor(string status) => status switch
    {
        CampaignStatus.Draft => ["start"],
        CampaignStatus.Running => ["pause", "stop"],
        CampaignStatus.Paused => ["resume", "stop"],
        _ => [],
    };

    public static RouteGroupBuilder MapCampaignActions(this RouteGroupBuilder console)
    {
        console.MapPost("/campaigns/create", CreateAsync);
        console.MapPost("/campaigns/{id}/{action:regex(^(start|pause|resume|stop)$)}", ChangeAsync);
        return console;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, CampaignStore campaigns)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var created = await campaigns.CreateAsync(context.RequireConsoleSession().OrgId, CampaignForm.Read(form), context.RequestAborted);
        return ConsoleActions.SeeOther(PagePath(created.Id));
    }

    private static async Task<IResult> ChangeAsync(string id, string action, HttpContext context, CampaignStore campaigns)
    {
        var orgId = context.RequireConsoleSession().OrgId;
        var cancellationToken = context.RequestAborted;
        await (action switch
        {
            "start" => campaigns.StartAsync(orgId, id, cancellationToken),
            "pause" => campaigns.PauseAsync(orgId, id, cancellationToken),
            "resume" => campaigns.ResumeAsync(orgId, id, cancellationToken),
            _ => campaigns.StopAsync(orgId, id, cancellationToken),
        });
        return ConsoleActions.SeeOther(PagePath(id));
    }
}
