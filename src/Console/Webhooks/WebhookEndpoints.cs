using System.Net;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.OperatorConsole.Actions;
using Cualify.Appliance.OperatorConsole.Sessions;
using Cualify.Appliance.Relay.Delivery;
using Cualify.Appliance.Relay.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.OperatorConsole.Webhooks;

/// <summary>
/// Webhooks' actions, admin scope as in the API: send a test event, replay an event to one endpoint, rotate the
/// secret (the new one is shown once, on the answer itself, never in a redirect), enable again.
/// </summary>
public static class WebhookEndpoints
{
    public static string PagePath(string id) => $"{ConsolePaths.Webhooks}/{Uri.EscapeDataString(id)}";

    public static string TestPath(string id) => PagePath(id) + "/test";

    public static string RotatePath(string id) => PagePath(id) + "/rotate";

    public static string EnablePath(string id) => PagePath(id) + "/enable";

    public static string ReplayPath(string id, string eventId) => $"{PagePath(id)}/events/{Uri.EscapeDataString(eventId)}/replay";

    public static RouteGroupBuilder MapWebhookActions(this RouteGroupBuilder console)
    {
        console.MapPost("/webhooks/{id}/test", TestAsync).NeedsScope(Scope.Admin);
        console.MapPost("/webhooks/{id}/rotate", RotateAsync).NeedsScope(Scope.Admin);
        console.MapPost("/webhooks/{id}/enable", EnableAsync).NeedsScope(Scope.Admin);
        console.MapPost("/webhooks/{id}/events/{eventId}/replay", ReplayAsync).NeedsScope(Scope.Admin);
        return console;
    }

    private static async Task<IResult> TestAsync(string id, HttpContext context, Redeliveries redeliveries)
    {
        await redeliveries.SendTestAsync(context.RequireConsoleSession().OrgId, id, context.RequestAborted);
        return ConsoleActions.SeeOther(PagePath(id) + "?queued=test");
    }

    private static async Task<IResult> ReplayAsync(string id, string eventId, HttpContext context, Redeliveries redeliveries)
    {
        await redeliveries.ReplayAsync(context.RequireConsoleSession().OrgId, eventId, id, context.RequestAborted);
        return ConsoleActions.SeeOther(PagePath(id) + "?queued=replay");
    }

    private static async Task<IResult> EnableAsync(string id, HttpContext context, WebhookStore webhooks)
    {
        await webhooks.EnableAsync(context.RequireConsoleSession().OrgId, id, context.RequestAborted);
        return ConsoleActions.SeeOther(PagePath(id));
    }

    private static async Task<IResult> RotateAsync(string id, HttpContext context, WebhookStore webhooks)
    {
        var rotated = await webhooks.RotateSecretAsync(context.RequireConsoleSession().OrgId, id, context.RequestAborted);
        var until = Components.Shared.Shown.Time(rotated.Webhook.PreviousSecretUntil);
        return Results.Content($"""
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>New secret · Cualify console</title>
            <link rel="stylesheet" href="{ConsolePaths.Assets}/console.css"></head>
            <body><main class="refusal"><h1>New signing secret</h1>
            <p>Shown only this once. The old secret keeps signing beside it until {WebUtility.HtmlEncode(until)}.</p>
            <dl class="facts"><dt>Standard Webhooks</dt><dd><code data-secret>{WebUtility.HtmlEncode(rotated.Secret.StandardWebhooks)}</code></dd>
            <dt>Hex</dt><dd><code>{WebUtility.HtmlEncode(rotated.Secret.Hex)}</code></dd></dl>
            <p><a href="{PagePath(id)}">Back to the webhook</a></p></main></body></html>
            """, "text/html; charset=utf-8");
    }
}
