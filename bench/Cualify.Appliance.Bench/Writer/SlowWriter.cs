using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Bench.Writer;

/// <summary>
/// A chat-completions endpoint that answers every request after a fixed delay with a written email, and keeps, per
/// contact, how long it held the request (from its arrival to the answer written): the writer's share of a probe.
/// </summary>
public sealed class SlowWriter : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TimeSpan _delay;
    private readonly ConcurrentDictionary<string, double> _heldMs = new(StringComparer.Ordinal);

    private SlowWriter(WebApplication app, TimeSpan delay)
    {
        _app = app;
        _delay = delay;
    }

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<SlowWriter> StartAsync(TimeSpan delay)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var writer = new SlowWriter(app, delay);
        app.MapPost("/v1/chat/completions", writer.AnswerAsync);
        await app.StartAsync();
        writer.BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return writer;
    }

    /// <summary>How long the request for this contact was held here, in ms.</summary>
    public double HeldMs(string firstName) => _heldMs.TryGetValue(firstName, out var ms) ? ms : throw new InvalidOperationException($"no writer request for {firstName}");

    private async Task AnswerAsync(HttpContext context)
    {
        var clock = Stopwatch.StartNew();
        var request = await JsonNode.ParseAsync(context.Request.Body);
        var user = JsonNode.Parse((string)request!["messages"]!.AsArray().Single(m => (string?)m!["role"] == "user")!["content"]!)!;
        var name = (string)user["contact"]!["first_name"]!;
        await Task.Delay(_delay);
        var content = new JsonObject
        {
            ["subject"] = $"{name}, los precios que pidió",
            ["body"] = $"Hola {name}:\n\nGracias por preguntar por nuestros precios. El plan Estándar encaja con un equipo como el suyo; "
                + "le envío los detalles y con gusto se los explico en una llamada de 15 minutos.\n\nUn saludo,\nAnita",
        }.ToJsonString();
        var completion = new JsonObject
        {
            ["id"] = "chatcmpl-bench",
            ["object"] = "chat.completion",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["model"] = (string?)request["model"],
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content, ["refusal"] = null },
                ["finish_reason"] = "stop",
            }),
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(completion.ToJsonString());
        await context.Response.Body.FlushAsync();
        _heldMs[name] = clock.Elapsed.TotalMilliseconds;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
