using Cualify.Appliance.OperatorConsole.Actions;
using Cualify.Appliance.OperatorConsole.Assets;
using Cualify.Appliance.OperatorConsole.Calls;
using Cualify.Appliance.OperatorConsole.Components;
using Cualify.Appliance.OperatorConsole.Campaigns;
using Cualify.Appliance.OperatorConsole.Connectors;
using Cualify.Appliance.OperatorConsole.Contacts;
using Cualify.Appliance.OperatorConsole.Live;
using Cualify.Appliance.OperatorConsole.Playbooks;
using Cualify.Appliance.OperatorConsole.Sequences;
using Cualify.Appliance.OperatorConsole.Webhooks;
using Cualify.Appliance.OperatorConsole.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Cualify.Appliance.OperatorConsole;

public static class ConsolePipeline
{
    /// <summary>After routing: the console gate (transport, session) then anti-forgery, which the components' endpoints require.</summary>
    public static IApplicationBuilder UseConsole(this IApplicationBuilder app) => app
        .UseMiddleware<ConsoleGate>()
        .UseAntiforgery();

    /// <summary>The pages, the assets and every action under <c>/console</c>.</summary>
    public static WebApplication MapConsole(this WebApplication app)
    {
        app.MapConsoleAssets();
        app.MapLiveStream();
        app.MapCallRecordingPlayback();
        app.MapPlaybookPreview();
        // Pages for people, not API operations: none of them belongs in the OpenAPI document.
        app.MapRazorComponents<ConsoleApp>().ExcludeFromDescription();
        app.MapConsoleActionGroup()
            .MapSessions()
            .MapLiveActions()
            .MapPlaybookActions()
            .MapCampaignActions()
            .MapWebhookActions()
            .MapSequenceActions()
            .MapContactActions()
            .MapConnectorActions();
        return app;
    }
}
