using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Bench.Agents;

/// <summary>
/// A voice agent that answers every inbound 20 ms frame with one frame of its own (a tone, or a probe every tenth), so
/// it speaks exactly as fast as the line and the bridge's queue stays short. Kestrel on loopback, Twilio Media Streams.
/// </summary>
public sealed class EchoAgent(WebApplication app, ProbeFrames probes) : IAsyncDisposable
{
    private static readonly byte[] Tone = Enumerable.Range(0, ProbeFrames.FrameBytes).Select(i => (byte)(i % 2 == 0 ? 0x20 : 0xA0)).ToArray();

    public Uri Url { get; private set; } = null!;

    public static async Task<EchoAgent> StartAsync(ProbeFrames probes)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var agent = new EchoAgent(app, probes);
        app.UseWebSockets();
        app.Map("/media", agent.RunAsync);
        await app.StartAsync();
        agent.Url = new Uri($"ws://127.0.0.1:{new Uri(app.Urls.First()).Port}/media");
        return agent;
    }

    private async Task RunAsync(HttpContext context)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[8192];
        var streamSid = "";
        long frames = 0;
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                if (!result.EndOfMessage)
                {
                    continue;
                }

                using var message = JsonDocument.Parse(buffer.AsMemory(0, result.Count));
                var root = message.RootElement;
                switch (root.GetProperty("event").GetString())
                {
                    case "start":
                        streamSid = root.GetProperty("streamSid").GetString()!;
                        break;
                    case "media":
                        probes.OnAgent(root.GetProperty("media").GetProperty("payload").GetBytesFromBase64());
                        var reply = ++frames % 10 == 0 ? probes.NewProbe() : Tone;
                        var json = $$$"""{"event":"media","streamSid":"{{{streamSid}}}","media":{"payload":"{{{Convert.ToBase64String(reply)}}}"}}""";
                        await socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, context.RequestAborted);
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
