using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Tests.AgentStreams;

/// <summary>
/// A voice agent on loopback Kestrel speaking Twilio Media Streams (bidirectional), as Pipecat's Twilio serializer or a
/// Vapi-style server does: it accepts the appliance's WebSocket at <c>/media</c>, keeps the <c>Authorization</c> header,
/// and hands each connection to the test as an <see cref="AgentSession"/> that checks every message's shape.
/// </summary>
public sealed class AgentStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<AgentSession> _sessions = Channel.CreateUnbounded<AgentSession>();

    private AgentStandIn(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public int Connections { get; private set; }

    /// <param name="certificate">Serve <c>wss://</c> with this certificate; plain <c>ws://</c> without one.</param>
    public static async Task<AgentStandIn> StartAsync(X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is not null)
            {
                listen.UseHttps(new HttpsConnectionAdapterOptions { ServerCertificate = certificate });
            }
        }));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var standIn = new AgentStandIn(app);
        app.UseWebSockets();
        app.Map("/media", standIn.AcceptAsync);
        await app.StartAsync();
        var address = new Uri(app.Urls.First());
        standIn.Url = new Uri($"{(certificate is null ? "ws" : "wss")}://127.0.0.1:{address.Port}/media");
        return standIn;
    }

    /// <summary>The next connection, once its <c>connected</c> and <c>start</c> have arrived and been checked.</summary>
    public async Task<AgentSession> NextSessionAsync(TimeSpan? within = null)
    {
        using var limit = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(30));
        var session = await _sessions.Reader.ReadAsync(limit.Token);
        await session.Started.WaitAsync(limit.Token);
        return session;
    }

    private async Task AcceptAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }

        Connections++;
        var authorization = context.Request.Headers.Authorization.ToString();
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var session = new AgentSession(socket, authorization);
        _sessions.Writer.TryWrite(session);
        await session.RunAsync(context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
