using System.Text;
using Cualify.Appliance.OperatorConsole.Components.Shared;
using Cualify.Appliance.OperatorConsole.Sessions;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Orgs;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.OperatorConsole.Live;

/// <summary>
/// Server-sent events for the Live page: every <see cref="Tick"/> the board is read and rendered with the page's
/// own component, and sent when it differs from the last one sent (elapsed times make that about once a second).
/// The key is checked again every few seconds; a revoked one gets an <c>ended</c> event, and the page reloads
/// into sign-in.
/// </summary>
public sealed class LiveStream(LiveCallBoard board, OrgStore orgs, ConsoleSessions sessions, IAntiforgery antiforgery, TimeProvider time, ILoggerFactory loggers)
{
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan KeyRecheck = TimeSpan.FromSeconds(5);

    public async Task RunAsync(HttpContext context)
    {
        var session = context.RequireConsoleSession();
        var token = antiforgery.GetAndStoreTokens(context).RequestToken;
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(
            context.RequestAborted, context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        var cancellationToken = ending.Token;

        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        await using var renderer = new HtmlRenderer(context.RequestServices, loggers);
        using var timer = new PeriodicTimer(Tick, time);
        var lastSent = "";
        var lastKeyCheck = time.GetTimestamp();
        try
        {
            await response.WriteAsync("retry: 2000\n\n", cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
            do
            {
                if (time.GetElapsedTime(lastKeyCheck) >= KeyRecheck)
                {
                    if (!await sessions.KeyStillHoldsAsync(session, context, cancellationToken))
                    {
                        await response.WriteAsync("event: ended\ndata: signed out\n\n", cancellationToken);
                        await response.Body.FlushAsync(cancellationToken);
                        return;
                    }

                    lastKeyCheck = time.GetTimestamp();
                }

                var html = await RenderAsync(renderer, session, token, cancellationToken);
                if (html != lastSent)
                {
                    await response.WriteAsync(Event("board", html), cancellationToken);
                    await response.Body.FlushAsync(cancellationToken);
                    lastSent = html;
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The page was closed or the appliance is stopping; the browser reconnects if it is still there.
        }
    }

    private async Task<string> RenderAsync(HtmlRenderer renderer, ConsoleSession session, string? token, CancellationToken cancellationToken)
    {
        var org = await orgs.RequireAsync(session.OrgId, cancellationToken);
        var current = await board.ReadAsync(session.OrgId, cancellationToken);
        return await renderer.Dispatcher.InvokeAsync(async () =>
        {
            var output = await renderer.RenderComponentAsync<LiveBoardFragment>(ParameterView.FromDictionary(new Dictionary<string, object?>
            {
                [nameof(LiveBoardFragment.Session)] = session,
                [nameof(LiveBoardFragment.Token)] = token,
                [nameof(LiveBoardFragment.Board)] = current,
                [nameof(LiveBoardFragment.Org)] = org,
            }));
            return output.ToHtmlString();
        });
    }

    /// <summary>One SSE event; every line of the payload gets its own <c>data:</c> field.</summary>
    private static string Event(string name, string payload)
    {
        var text = new StringBuilder("event: ").Append(name).Append('\n');
        foreach (var line in payload.Split('\n'))
        {
            text.Append("data: ").Append(line.TrimEnd('\r')).Append('\n');
        }

        return text.Append('\n').ToString();
    }
}
