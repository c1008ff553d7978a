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
/// A voice agent that speaks in turns, as a text-to-speech agent does: every second it sends 0.9 s of audio at once
/// (in 800-byte chunks), the first frame of each turn a probe, so the bridge's queue is empty when a turn begins and
/// the probe times what the bridge adds, not a backlog. It listens throughout (every inbound frame is checked for
/// returning probes). Kestrel on loopback, Twilio Media Streams.
/// </summary>
public sealed class EchoAgent(WebApplication app, ProbeFrames probes) : IAsyncDisposable
{
    private const int TurnFrames = 45;
    private const int ChunkBytes = 800;
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
        using var done = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var started = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var speaking = SpeakAsync(socket, started.Task, done.Token);
        var buffer = new byte[8192];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (result.MessageType == WebSocketMessageType.Close || !result.EndOfMessage)
                {
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }

                    continue;
                }

                using var message = JsonDocument.Parse(buffer.AsMemory(0, result.Count));
                var root = message.RootElement;
                switch (root.GetProperty("event").GetString())
                {
                    case "start":
                        started.TrySetResult(root.GetProperty("streamSid").GetString()!);
                        break;
                    case "media":
                        probes.OnAgent(root.GetProperty("media").GetProperty("payload").GetBytesFromBase64());
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }
        finally
        {
            await done.CancelAsync();
            started.TrySetCanceled();
            await speaking;
        }
    }

    private async Task SpeakAsync(WebSocket socket, Task<string> started, CancellationToken cancellationToken)
    {
        try
        {
            var streamSid = await started;
            using var turns = new PeriodicTimer(TimeSpan.FromSeconds(1));
            var turn = new byte[TurnFrames * ProbeFrames.FrameBytes];
            do
            {
                probes.NewProbe().CopyTo(turn, 0);
                for (var frame = 1; frame < TurnFrames; frame++)
                {
                    Tone.CopyTo(turn, frame * ProbeFrames.FrameBytes);
                }

                for (var offset = 0; offset < turn.Length; offset += ChunkBytes)
                {
                    var chunk = Convert.ToBase64String(turn, offset, Math.Min(ChunkBytes, turn.Length - offset));
                    var json = $$$"""{"event":"media","streamSid":"{{{streamSid}}}","media":{"payload":"{{{chunk}}}"}}""";
                    await socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, cancellationToken);
                }
            }
            while (await turns.WaitForNextTickAsync(cancellationToken));
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
