using System.Collections.Concurrent;
using Cualify.Appliance.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Cualify.Appliance.OperatorConsole.Tests.Support;

/// <summary>A webhook endpoint on loopback that answers with <see cref="Status"/> and keeps each request's webhook-id and answer.</summary>
public sealed class HookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(string MessageId, int Status)> _received = new();

    private HookReceiver(WebApplication app) => _app = app;

    /// <summary>The answer; 503 comes with a Retry-After of an hour, so the relay waits rather than retrying in 5 s.</summary>
    public int Status { get; set; } = StatusCodes.Status200OK;

    public Uri Url { get; private set; } = null!;

    public IReadOnlyList<(string MessageId, int Status)> Received => _received.ToArray();

    public static async Task<HookReceiver> StartAsync()
    {
        var app = StandInHost.Create();
        var receiver = new HookReceiver(app);
        app.Run(context =>
        {
            var status = receiver.Status;
            receiver._received.Enqueue((context.Request.Headers["webhook-id"].ToString(), status));
            context.Response.StatusCode = status;
            if (status == StatusCodes.Status503ServiceUnavailable)
            {
                context.Response.Headers.RetryAfter = "3600";
            }

            return Task.CompletedTask;
        });
        receiver.Url = new Uri(await StandInHost.StartAsync(app), "/hook");
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
